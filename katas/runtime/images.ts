/**
 * Image references, for both runtimes: the image's name without its tag, and the error the
 * kubelet turns into the container's waiting reason `ErrImagePull`. Given code. The images
 * themselves, and the registry, are in the kit (`kit/images/`).
 */
import { findImage, imageNames, type RunnableImage } from '@kube/kit';
import { RuntimeError } from './cri.ts';

/** `"kubekata/echo:1.0"` → `"kubekata/echo"`; a reference without a tag stays as it is. */
export function imageName(ref: string): string {
  const colon = ref.lastIndexOf(':');
  return colon > ref.lastIndexOf('/') ? ref.slice(0, colon) : ref;
}

/**
 * The error for an image no registry has: code NotFound, reason `ErrImagePull`, and a message in
 * the kubelet's words (`Failed to pull image "nginx": ...`) that lists the images there are.
 */
export function imagePullError(ref: string): RuntimeError {
  return new RuntimeError(
    'NotFound',
    `Failed to pull image "${ref}": it is not in the local registry; the images are ${imageNames().join(', ')} (tags: latest, 1.0)`,
    'ErrImagePull',
  );
}

/** The image a reference names, or the {@link imagePullError}. */
export function pullImage(ref: string): RunnableImage {
  const image = findImage(ref);
  if (!image) throw imagePullError(ref);
  return image;
}
