/**
 * Node module-resolution hooks (registered by tools/register.ts): `@kube/<component>` → the file
 * tools/lib/targets.ts chose for this process.
 */
import { pathToFileURL } from 'node:url';
import { resolveSpecifier, type Targets } from './targets.ts';

let targets: Targets | undefined;

/** Receives the resolved targets from the main thread. */
export function initialize(data: { targets: Targets }): void {
  targets = data.targets;
}

type Next = (specifier: string, context: unknown) => Promise<{ url: string }>;

/** Answers `@kube/...`; everything else goes on to the next resolver (tsx's). */
export async function resolve(specifier: string, context: unknown, next: Next): Promise<{ url: string }> {
  const file = targets && resolveSpecifier(specifier, targets);
  // Hand the file on to the next resolver (tsx's), which knows how to load TypeScript.
  return next(file ? pathToFileURL(file).href : specifier, context);
}
