/**
 * The local image registry: the "images" a pod may name, each a small program shipped with the
 * workbook in this folder. The runtime shim's `ProcessRuntime` (kata 22) runs them as real OS
 * processes; nothing here is a container image in the OCI sense, and nothing is ever downloaded.
 *
 * | image | what it does | arguments (CMD) | environment |
 * | --- | --- | --- | --- |
 * | `kubekata/echo` | an HTTP server on `POD_IP:PORT` answering every request with JSON: the pod's name, namespace and IP, the path, the method | — | `PORT` (8080), `POD_IP` (127.0.0.1), `POD_NAME`, `POD_NAMESPACE`, `SHUTDOWN_DELAY_SECONDS` (0: on SIGTERM it closes at once) |
 * | `kubekata/sleeper` | sleeps, then exits 0 | `[sleep] [seconds]` (default: for ever; a leading `sleep` is skipped, as with busybox); `--ignore-sigterm` | — |
 * | `kubekata/crasher` | writes a line to stderr and exits with a code after a delay | `[code] [seconds]` (default `1 0`) | — |
 * | `kubekata/logger` | writes numbered lines, alternately to stdout and stderr, then exits 0 | `[lines] [interval ms]` (default `10 0`); `--no-newline` ends without a newline | — |
 * | `kubekata/node` | runs a node script: no shell, no default arguments | `script.mjs ...` or `-e <code>` | — |
 *
 * An image reference is `name`, `name:latest` or `name:1.0` (every image has those tags);
 * anything else is not in the registry, and the runtime answers `ErrImagePull` as a kubelet
 * would for an image no registry has.
 *
 * Each program stops cleanly: the echo server exits 0 on SIGTERM (after closing its listener),
 * the others die of the signal unless their arguments say otherwise, as a real process would.
 *
 * @example
 * ```ts
 * const image = findImage('kubekata/echo:1.0')!;
 * image.entrypoint; // ['node', '/…/kit/images/echo.mjs']
 * // what the runtime runs for a container with neither command nor args:
 * // process.execPath /…/kit/images/echo.mjs
 * findImage('nginx'); // undefined: not in the local registry
 * ```
 * @module
 */
import { fileURLToPath } from 'node:url';

/** One runnable image: how a container made from it starts when the pod says nothing else. */
export interface RunnableImage {
  /** the name without a tag: `"kubekata/echo"` */
  name: string;
  /** what it does, for people */
  description: string;
  /**
   * The image's ENTRYPOINT. Its first element `"node"` means the Node.js that runs the runtime
   * (`process.execPath`); the rest are absolute paths or arguments.
   */
  entrypoint: string[];
  /** The image's CMD: default arguments, used when the container gives neither command nor args. */
  cmd: string[];
  /** Environment the image sets (a container's own env wins). */
  env: Record<string, string>;
}

/** The tags every image answers to; `name` alone means `latest`. */
export const IMAGE_TAGS = ['latest', '1.0'] as const;

const program = (file: string): string => fileURLToPath(new URL(`./${file}`, import.meta.url));

/** The registry, by name. */
export const IMAGES: Readonly<Record<string, RunnableImage>> = Object.freeze({
  'kubekata/echo': {
    name: 'kubekata/echo',
    description: 'HTTP server on POD_IP:PORT that answers with its pod name, namespace and IP',
    entrypoint: ['node', program('echo.mjs')],
    cmd: [],
    env: { PORT: '8080' },
  },
  'kubekata/sleeper': {
    name: 'kubekata/sleeper',
    description: 'sleeps for the given seconds (default: for ever), then exits 0',
    entrypoint: ['node', program('sleeper.mjs')],
    cmd: [],
    env: {},
  },
  'kubekata/crasher': {
    name: 'kubekata/crasher',
    description: 'exits with the given code (default 1) after the given seconds (default 0)',
    entrypoint: ['node', program('crasher.mjs')],
    cmd: ['1', '0'],
    env: {},
  },
  'kubekata/logger': {
    name: 'kubekata/logger',
    description: 'writes numbered lines to stdout and stderr in turn, then exits 0',
    entrypoint: ['node', program('logger.mjs')],
    cmd: ['10', '0'],
    env: {},
  },
  'kubekata/node': {
    name: 'kubekata/node',
    description: 'runs a node script given as arguments, without a shell',
    entrypoint: ['node'],
    cmd: [],
    env: {},
  },
});

/**
 * The image an image reference names, or undefined when the local registry has no such image
 * (or no such tag). `"kubekata/echo"`, `"kubekata/echo:latest"` and `"kubekata/echo:1.0"` are
 * the same image.
 */
export function findImage(ref: string): RunnableImage | undefined {
  const colon = ref.lastIndexOf(':');
  const [name, tag] = colon > ref.lastIndexOf('/') ? [ref.slice(0, colon), ref.slice(colon + 1)] : [ref, 'latest'];
  if (!(IMAGE_TAGS as readonly string[]).includes(tag)) return undefined;
  return Object.hasOwn(IMAGES, name) ? IMAGES[name] : undefined;
}

/** The names of every image in the registry, for error messages: `"kubekata/crasher, kubekata/echo, ..."`. */
export function imageNames(): string[] {
  return Object.keys(IMAGES).sort();
}
