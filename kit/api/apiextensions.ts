/**
 * apiextensions.k8s.io/v1: CustomResourceDefinitions, how a cluster learns a kind it was not
 * built with. Create one and the apiserver serves a new resource, with its own schema:
 *
 * ```
 * kubectl apply -f crontab-crd.yaml      -> /apis/stable.example.com/v1/namespaces/*\/crontabs
 * kubectl wait --for condition=established crd/crontabs.stable.example.com
 * kubectl apply -f my-crontab.yaml       -> validated against spec.versions[].schema, unknown fields pruned
 * kubectl get crontabs                   -> the version's additionalPrinterColumns
 * kubectl delete crd crontabs.stable.example.com   -> every CronTab first, then the definition
 * ```
 *
 * `JSONSchemaProps` carries the `x-kubernetes-*` extensions upstream's Go type names
 * `XPreserveUnknownFields`, `XIntOrString` and so on; the `kubernetes-types` package leaves them
 * out, so test/kit/api-compat.test.ts checks these types but for the schema itself.
 * @module
 */
import type { KubeObject, Time } from './meta.ts';

/** The names a custom resource is served under. */
export interface CustomResourceDefinitionNames {
  /** the plural in URLs and keys: `crontabs` (lower case) */
  plural: string;
  /** `crontab`; defaults to the kind in lower case */
  singular?: string;
  /** `ct`: what kubectl takes for the plural */
  shortNames?: string[];
  /** the kind of its objects: `CronTab` */
  kind: string;
  /** `CronTabList`; defaults to the kind + `List` */
  listKind?: string;
  /** `all`: `kubectl get all` lists the resources of that category */
  categories?: string[];
}

/**
 * A structural OpenAPI v3 schema: what a custom resource's fields may be. Every object says
 * its `properties` (anything else is pruned) unless it says `x-kubernetes-preserve-unknown-fields`.
 */
export interface JSONSchemaProps {
  /** object, array, string, integer, number or boolean */
  type?: string;
  description?: string;
  format?: string;
  /** the fields of an object */
  properties?: Record<string, JSONSchemaProps>;
  /** the fields an object must have */
  required?: string[];
  /** the schema of each element of an array */
  items?: JSONSchemaProps;
  /** the schema of each value of a map (an object without properties) */
  additionalProperties?: JSONSchemaProps | boolean;
  enum?: unknown[];
  /** written into the object where the field is missing */
  default?: unknown;
  example?: unknown;
  nullable?: boolean;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: boolean;
  exclusiveMaximum?: boolean;
  multipleOf?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  minItems?: number;
  maxItems?: number;
  uniqueItems?: boolean;
  minProperties?: number;
  maxProperties?: number;
  title?: string;
  allOf?: JSONSchemaProps[];
  anyOf?: JSONSchemaProps[];
  oneOf?: JSONSchemaProps[];
  not?: JSONSchemaProps;
  /** keep the fields the schema does not name */
  'x-kubernetes-preserve-unknown-fields'?: boolean;
  /** an integer or a string (a port, a percentage) */
  'x-kubernetes-int-or-string'?: boolean;
  /** an object with its own apiVersion, kind and metadata */
  'x-kubernetes-embedded-resource'?: boolean;
  'x-kubernetes-list-type'?: string;
  'x-kubernetes-list-map-keys'?: string[];
  'x-kubernetes-map-type'?: string;
  'x-kubernetes-validations'?: { rule: string; message?: string; messageExpression?: string; reason?: string; fieldPath?: string; optionalOldSelf?: boolean }[];
}

/** A column `kubectl get` prints, read from each object by a simple JSON path. */
export interface CustomResourceColumnDefinition {
  name: string;
  /** integer, number, string, boolean or date */
  type: string;
  format?: string;
  description?: string;
  /** 0: always shown; more: only with `-o wide` */
  priority?: number;
  /** `.spec.replicas` */
  jsonPath: string;
}

/** The scale subresource: where a custom resource keeps its replicas. */
export interface CustomResourceSubresourceScale {
  specReplicasPath: string;
  statusReplicasPath: string;
  labelSelectorPath?: string;
}

/** The status subresource: present (`status: {}`) or not; it has no fields. */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface CustomResourceSubresourceStatus {}

/** The subresources a version serves: `status` (written only through it) and `scale`. */
export interface CustomResourceSubresources {
  status?: CustomResourceSubresourceStatus;
  scale?: CustomResourceSubresourceScale;
}

/** One version of the resource. */
export interface CustomResourceDefinitionVersion {
  /** `v1`, `v1beta1` */
  name: string;
  /** whether the API serves it */
  served: boolean;
  /** whether objects are stored in it: exactly one version is */
  storage: boolean;
  deprecated?: boolean;
  deprecationWarning?: string;
  schema?: { openAPIV3Schema?: JSONSchemaProps };
  subresources?: CustomResourceSubresources;
  additionalPrinterColumns?: CustomResourceColumnDefinition[];
  selectableFields?: { jsonPath: string }[];
}

/** How objects are converted between versions: `None` rewrites the apiVersion only. */
export interface CustomResourceConversion {
  strategy: 'None' | 'Webhook' | (string & {});
  webhook?: { conversionReviewVersions: string[]; clientConfig?: { url?: string; caBundle?: string; service?: { namespace: string; name: string; path?: string; port?: number } } };
}

/** What the definition asks to be served. */
export interface CustomResourceDefinitionSpec {
  /** `stable.example.com`: the API group (it must have a dot) */
  group: string;
  names: CustomResourceDefinitionNames;
  scope: 'Namespaced' | 'Cluster';
  versions: CustomResourceDefinitionVersion[];
  conversion?: CustomResourceConversion;
  preserveUnknownFields?: boolean;
}

/** NamesAccepted, Established, Terminating. */
export interface CustomResourceDefinitionCondition {
  type: 'NamesAccepted' | 'Established' | 'Terminating' | 'NonStructuralSchema' | 'KubernetesAPIApprovalPolicyConformant' | (string & {});
  status: 'True' | 'False' | 'Unknown' | (string & {});
  lastTransitionTime?: Time;
  reason?: string;
  message?: string;
}

/** What the apiserver made of it: the names it serves and whether it serves them yet. */
export interface CustomResourceDefinitionStatus {
  conditions?: CustomResourceDefinitionCondition[];
  acceptedNames?: CustomResourceDefinitionNames;
  /** every version objects were ever stored in */
  storedVersions?: string[];
}

/**
 * A definition of a custom resource (cluster-scoped), named `<plural>.<group>`.
 *
 * @example
 * ```ts
 * const crd: CustomResourceDefinition = {
 *   apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name: 'crontabs.stable.example.com' },
 *   spec: { group: 'stable.example.com', scope: 'Namespaced', names: { plural: 'crontabs', kind: 'CronTab' },
 *     versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object', properties: { cronSpec: { type: 'string' } } } } } } }] },
 * };
 * ```
 */
export interface CustomResourceDefinition extends KubeObject {
  apiVersion?: 'apiextensions.k8s.io/v1';
  kind?: 'CustomResourceDefinition';
  spec: CustomResourceDefinitionSpec;
  status?: CustomResourceDefinitionStatus;
}
