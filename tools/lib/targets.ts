/**
 * Whose code runs: the resolution of `@kube/<component>` imports.
 *
 * Every import of a component goes through `@kube/<component>` — in tests, katas and
 * solutions alike — and this module decides which folder answers it:
 *
 * - `KATA_TARGET=solutions`: every component resolves to `solutions/` (the workbook's own check);
 * - otherwise the learner's katas folder (`katas/`, or `KATA_KATAS_DIR` when the grader grades a
 *   submission), except components the learner has borrowed (`npm run kata -- borrow etcd`),
 *   which resolve to `solutions/`.
 *
 * The vitest config, the tsx import hook (tools/register.ts) and the tools all call
 * {@link resolveTargets}, so a test run, `npm run cluster` and the CLI agree.
 *
 * Example: with `.kubekata/state.json` = `{"borrowed":["etcd"]}` and no environment set,
 * `@kube/etcd` → `solutions/etcd/index.ts` and `@kube/scheduler` → `katas/scheduler/index.ts`.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The workbook's root folder (the one holding package.json). */
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Where the CLI keeps the learner's progress; git-ignored. */
export const STATE_DIR = join(ROOT, '.kubekata');
export const STATE_FILE = join(STATE_DIR, 'state.json');

/** `katas` (the learner's code, the default) or `solutions` (the reference). */
export type Target = 'katas' | 'solutions';

/** The resolved map from component name to the folder whose index.ts answers `@kube/<name>`. */
export interface Targets {
  target: Target;
  katasDir: string;
  borrowed: string[];
  /** component name → absolute path of its index.ts */
  components: Record<string, string>;
  /** absolute path of kit/index.ts */
  kit: string;
}

/** Reads the target from `KATA_TARGET`, rejecting anything but the two known values. */
export function targetFromEnv(env: NodeJS.ProcessEnv = process.env): Target {
  const value = env.KATA_TARGET?.trim();
  if (value === undefined || value === '' || value === 'katas') return 'katas';
  if (value === 'solutions') return 'solutions';
  throw new Error(`KATA_TARGET=${value} is not a target: use "katas" (the default) or "solutions".`);
}

/** The components of the workbook: every folder of katas/ or solutions/ with an index.ts. */
export function listComponents(root = ROOT): string[] {
  const names = new Set<string>();
  for (const base of ['katas', 'solutions']) {
    const dir = join(root, base);
    if (!existsSync(dir)) continue;
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.isDirectory() && existsSync(join(dir, entry.name, 'index.ts'))) names.add(entry.name);
    }
  }
  return [...names].sort();
}

/** The learner's progress file, or an empty state when there is none (or it is unreadable). */
export function readBorrowed(stateFile = STATE_FILE): string[] {
  if (!existsSync(stateFile)) return [];
  try {
    const state = JSON.parse(readFileSync(stateFile, 'utf8')) as { borrowed?: unknown };
    return Array.isArray(state.borrowed) ? state.borrowed.filter((b): b is string => typeof b === 'string') : [];
  } catch {
    // A corrupted state file must not stop the tests; the CLI reports and repairs it.
    return [];
  }
}

/**
 * Resolves every component for this process's environment:
 * `KATA_TARGET`, `KATA_KATAS_DIR` (a submission's katas folder) and `KATA_BORROWED`
 * (a comma-separated list that overrides the state file; empty = borrow nothing).
 */
export function resolveTargets(env: NodeJS.ProcessEnv = process.env, root = ROOT): Targets {
  const target = targetFromEnv(env);
  const katasDir = env.KATA_KATAS_DIR ? resolve(env.KATA_KATAS_DIR) : join(root, 'katas');
  const borrowed =
    env.KATA_BORROWED !== undefined
      ? env.KATA_BORROWED.split(',').map((s) => s.trim()).filter(Boolean)
      : readBorrowed(join(root, '.kubekata', 'state.json'));
  const components: Record<string, string> = {};
  for (const name of listComponents(root)) {
    const fromSolutions = target === 'solutions' || borrowed.includes(name);
    components[name] = join(fromSolutions ? join(root, 'solutions') : katasDir, name, 'index.ts');
  }
  return { target, katasDir, borrowed, components, kit: join(root, 'kit', 'index.ts') };
}

/**
 * The file that answers an `@kube/...` specifier, or undefined for any other specifier.
 * Throws with the list of components when the name is not one of them.
 */
export function resolveSpecifier(specifier: string, targets: Targets): string | undefined {
  const match = /^@kube\/([a-z0-9-]+)$/.exec(specifier);
  if (!match) return undefined;
  const name = match[1]!;
  if (name === 'kit') return targets.kit;
  const file = targets.components[name];
  if (!file) {
    throw new Error(
      `@kube/${name} is not a component of the workbook. Components: ${Object.keys(targets.components).join(', ') || '(none)'}, and kit.`,
    );
  }
  return file;
}
