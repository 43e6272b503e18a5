/**
 * A pod's volumes, defaulted as kube-apiserver defaults them (pkg/apis/core/v1/defaults.go:
 * SetDefaults_Volume and the sources' own), so that `kubectl get pod -o yaml` shows what a
 * cluster shows:
 *
 * | volume | default |
 * | --- | --- |
 * | no source at all | `emptyDir: {}` |
 * | `hostPath` | `type: ""` (no check of what is at the path) |
 * | `secret`, `configMap`, `downwardAPI`, `projected` | `defaultMode: 420` (0644) |
 * | a projected `serviceAccountToken` | `expirationSeconds: 3600` |
 * | a `fieldRef` of a downward API item (plain or projected) | `apiVersion: v1` |
 *
 * Given code, beside env-validation.ts's defaults: the kit has no volume types, so this works on
 * the JSON as it came.
 */
import type { KubeObject } from '@kube/kit';

type Json = Record<string, unknown>;

/** The sources a volume may name (those the workbook's protobuf schema carries, and the rest of v1.32's). */
const SOURCES = [
  'hostPath', 'emptyDir', 'gcePersistentDisk', 'awsElasticBlockStore', 'gitRepo', 'secret', 'nfs', 'iscsi', 'glusterfs', 'persistentVolumeClaim',
  'rbd', 'flexVolume', 'cinder', 'cephfs', 'flocker', 'downwardAPI', 'fc', 'azureFile', 'configMap', 'vsphereVolume', 'quobyte', 'azureDisk',
  'photonPersistentDisk', 'projected', 'portworxVolume', 'scaleIO', 'storageos', 'csi', 'ephemeral', 'image',
];

/** 0644, as Go's defaults write it in JSON. */
const DEFAULT_MODE = 420;

const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Each downward API item's fieldRef names its version. */
function defaultItems(items: unknown): void {
  if (!Array.isArray(items)) return;
  for (const item of items) if (isObject(item) && isObject(item['fieldRef'])) item['fieldRef']['apiVersion'] ??= 'v1';
}

/** One volume's defaults. */
function defaultVolume(volume: Json): void {
  if (!SOURCES.some((source) => volume[source] !== undefined && volume[source] !== null)) volume['emptyDir'] = {};
  if (isObject(volume['hostPath'])) volume['hostPath']['type'] ??= '';
  for (const source of ['secret', 'configMap', 'downwardAPI', 'projected']) if (isObject(volume[source])) (volume[source] as Json)['defaultMode'] ??= DEFAULT_MODE;
  if (isObject(volume['downwardAPI'])) defaultItems(volume['downwardAPI']['items']);
  const projected = isObject(volume['projected']) ? volume['projected']['sources'] : undefined;
  for (const source of Array.isArray(projected) ? projected : []) {
    if (!isObject(source)) continue;
    if (isObject(source['serviceAccountToken'])) source['serviceAccountToken']['expirationSeconds'] ??= 3600;
    if (isObject(source['downwardAPI'])) defaultItems(source['downwardAPI']['items']);
  }
}

/** The volumes of a Pod (`template` false) or of a workload's pod template (`spec.template.spec`). */
export function defaultVolumesOf(object: KubeObject, template: boolean): void {
  const withSpec = object as KubeObject & { spec?: Json & { template?: { spec?: Json } } };
  const spec = template ? withSpec.spec?.template?.spec : withSpec.spec;
  const volumes = spec?.['volumes'];
  if (Array.isArray(volumes)) for (const volume of volumes) if (isObject(volume)) defaultVolume(volume);
}
