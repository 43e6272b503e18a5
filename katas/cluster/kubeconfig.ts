/**
 * The administrator's kubeconfig, as kubeadm writes admin.conf: the cluster's server and CA, the
 * user `kubernetes-admin` with its token, one context. Written to a temporary file and renamed,
 * so that a script waiting for the file never reads half of one. Given code.
 *
 * @example
 * ```ts
 * writeKubeconfig('/tmp/c/kubeconfig', { server: 'https://127.0.0.1:6443', ca, token });
 * // kubectl --kubeconfig /tmp/c/kubeconfig get nodes
 * ```
 */
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { stringify } from 'yaml';

/** What goes in it. */
export interface KubeconfigContents {
  server: string;
  /** the CA's certificate, PEM */
  ca: string;
  token: string;
}

/** The YAML of a kubeconfig with one cluster, user and context, all named `kubekata`. */
export function kubeconfigYaml({ server, ca, token }: KubeconfigContents): string {
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'kubekata', cluster: { server, 'certificate-authority-data': Buffer.from(ca).toString('base64') } }],
    users: [{ name: 'kubernetes-admin', user: { token } }],
    contexts: [{ name: 'kubekata', context: { cluster: 'kubekata', user: 'kubernetes-admin', namespace: 'default' } }],
    'current-context': 'kubekata',
  });
}

/** Writes the kubeconfig at `path` at once (a temporary file renamed), readable by its owner only. */
export function writeKubeconfig(path: string, contents: KubeconfigContents): void {
  mkdirSync(dirname(path), { recursive: true });
  const temporary = `${path}.tmp-${process.pid}`;
  writeFileSync(temporary, kubeconfigYaml(contents), { mode: 0o600 });
  renameSync(temporary, path);
}
