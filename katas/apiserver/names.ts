/**
 * The rules for names, label keys and values, and port names (apimachinery's
 * util/validation/validation.go). Each check returns the list of what is wrong, as messages;
 * an empty list means the value is fine. The validators of validation.ts turn every message into
 * one Invalid field error.
 *
 * | check | used for | accepts |
 * | --- | --- | --- |
 * | {@link isDNS1123Label} | namespace names, container names | `my-name`, `123-abc` (≤ 63) |
 * | {@link isDNS1123Subdomain} | most object names (pods, nodes, deployments) | `web-1`, `example.com` (≤ 253) |
 * | {@link isDNS1035Label} | service names | `my-name`, `abc-123`: starts with a letter (≤ 63) |
 * | {@link isQualifiedName} | label and annotation keys | `app`, `example.com/MyName` |
 * | {@link isValidLabelValue} | label values | `''`, `MyValue`, `my_value` (≤ 63) |
 * | {@link isValidPortName} | container and service port names (IANA) | `http`, `web-8080` (≤ 15) |
 *
 * The message texts are given: they are Kubernetes' own, word for word (the double space before
 * "or" included), because kubectl prints them as they are.
 *
 * @example
 * ```ts
 * isDNS1123Label('my-name');  // []
 * isDNS1123Label('My_Name');  // [DNS1123_LABEL_MESSAGE]
 * isQualifiedName('a/b/c');   // [QUALIFIED_NAME_MESSAGE]
 * ```
 */

import { NotImplemented } from '@kube/kit';

/** Why a string is not a DNS-1123 label. */
export const DNS1123_LABEL_MESSAGE =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";

/** Why a string is not a DNS-1123 subdomain. */
export const DNS1123_SUBDOMAIN_MESSAGE =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";

/** Why a string is not a DNS-1035 label. */
export const DNS1035_LABEL_MESSAGE =
  "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')";

/** Why the name part of a qualified name (after the `/`, or all of it) is malformed. */
export const QUALIFIED_NAME_PART_MESSAGE =
  "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";

/** Why a key with more than one `/` is not a qualified name. */
export const QUALIFIED_NAME_MESSAGE =
  "a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')";

/** Why a string is not a label value. */
export const LABEL_VALUE_MESSAGE =
  "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";

/** The messages of a port name (IANA_SVC_NAME) that breaks a rule, one per rule. */
export const PORT_NAME_MESSAGES = {
  charset: 'must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)',
  letter: 'must contain at least one letter (a-z)',
  hyphens: 'must not contain consecutive hyphens',
  ends: 'must not begin or end with a hyphen',
} as const;

/** "must be no more than 63 characters": the message of a string longer than `max`. */
export function maxLengthMessage(max: number): string {
  return `must be no more than ${max} characters`;
}


/** A DNS-1123 label: lower-case letters, digits and '-', alphanumeric at both ends, at most 63 characters. */
export function isDNS1123Label(value: string): string[] {
  // TODO(07): the length first, then the shape.
  throw new NotImplemented('07', 'isDNS1123Label');
}

/** A DNS-1123 subdomain: DNS-1123 labels joined by '.', at most 253 characters in all. */
export function isDNS1123Subdomain(value: string): string[] {
  // TODO(07): the length first, then the shape.
  throw new NotImplemented('07', 'isDNS1123Subdomain');
}

/** A DNS-1035 label: a DNS-1123 label that starts with a letter (service names). */
export function isDNS1035Label(value: string): string[] {
  // TODO(07): like a DNS-1123 label, starting with a letter.
  throw new NotImplemented('07', 'isDNS1035Label');
}

/**
 * A qualified name, the shape of label and annotation keys: an optional DNS-1123 subdomain prefix
 * and '/', then a name part of at most 63 alphanumerics, '-', '_' and '.', alphanumeric at both ends.
 *
 * @example
 * ```ts
 * isQualifiedName('app.kubernetes.io/name'); // []
 * isQualifiedName('/name');                  // ['prefix part must be non-empty']
 * isQualifiedName('Example.com/name');       // ['prefix part ' + DNS1123_SUBDOMAIN_MESSAGE]
 * ```
 */
export function isQualifiedName(value: string): string[] {
  // TODO(07): split on "/"; check the prefix as a subdomain, then the name part.
  throw new NotImplemented('07', 'isQualifiedName');
}

/** A label value: empty, or at most 63 alphanumerics, '-', '_' and '.', alphanumeric at both ends. */
export function isValidLabelValue(value: string): string[] {
  // TODO(07): the length first, then the shape.
  throw new NotImplemented('07', 'isValidLabelValue');
}

/**
 * A port name (IANA_SVC_NAME): at most 15 characters, lower-case letters, digits and '-', at least
 * one letter, no '--', no '-' at either end. Every rule it breaks gives its own message.
 *
 * @example
 * ```ts
 * isValidPortName('http');   // []
 * isValidPortName('8080');   // ['must contain at least one letter (a-z)']
 * isValidPortName('-a--b');  // [PORT_NAME_MESSAGES.hyphens, PORT_NAME_MESSAGES.ends]
 * ```
 */
export function isValidPortName(value: string): string[] {
  // TODO(07): one message per broken rule, in the order of PORT_NAME_MESSAGES.
  throw new NotImplemented('07', 'isValidPortName');
}
