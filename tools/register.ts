/**
 * `node --import tsx --import ./tools/register.ts program.ts`: resolves `@kube/<component>` under
 * tsx exactly as the vitest config does (KATA_TARGET, borrowed components), for programs such as
 * the finished cluster (`npm run cluster`).
 */
import { register } from 'node:module';
import { resolveTargets } from './lib/targets.ts';

const targets = resolveTargets();
register('./lib/resolve-hooks.ts', { parentURL: import.meta.url, data: { targets } });
export { targets };
