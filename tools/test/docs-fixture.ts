/**
 * A small workbook for the docs builder's tests, written into a temporary folder: two parts
 * (alpha: katas 01 and 02; beta: kata 05, after a gap), starters, tests, a solution that must
 * never be published, an architecture page with a diagram, and a guide.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/** The instructions of a kata, with every required section and three hints. */
export function kataMarkdown(o: { title: string; number: string; extra?: string; front?: string; hints?: string }): string {
  const front = o.front ?? `title: ${o.title}\npoints: 10\nminutes: 45\nconcepts: [ordering, ranges]\nfiles: [store.ts]`;
  return `---
${front}
---
# ${o.number} · ${o.title}

## What you build
A store. See [the part](README.md), [the guide](../../docs/guide.md#a-section) and [etcd's own docs](https://etcd.io/docs/).

## The spec
Keys sort as bytes.
${o.extra ?? ''}

## The API
\`\`\`ts
export function put(key: string, value: string): void;
\`\`\`

Time comes from [the kit](../../kit/index.ts#L6).

## How it is tested
Each property in plain words.

## Hints
${o.hints ?? `### 1. A gentle nudge
Look at the spec.
\`\`\`ts
### not a hint: a comment inside a code block
\`\`\`
### 2. Closer
Sort the keys as bytes.
### 3. Nearly the answer
Use a Buffer.`}

## How the real one does it
etcd's \`mvcc/index.go\`, and the apiserver's \`staging/src/k8s.io/apiserver/pkg/storage/etcd3/store.go\`.

| upstream file | what it does |
| --- | --- |
| \`server/mvcc/backend/batch_tx.go\` | \`UnsafeRange(bucket, key, endKey, limit)\`, a long cell that must scroll on a phone |

## Stretch goals
Go further.
`;
}

/** The files of the fixture workbook, path → text. */
export function fixtureFiles(): Record<string, string> {
  return {
    'katas/alpha/README.md': '---\npart: 1\ntitle: alpha — the first part\n---\n# Part I · alpha\n\nThe first part. Its first kata is [01](01-first.md).\n\n## The katas\nTwo of them.\n',
    'katas/alpha/01-first.md': kataMarkdown({ title: 'First steps', number: '01', extra: 'Then read [the next kata](02-second.md#the-spec).' }),
    'katas/alpha/02-second.md': kataMarkdown({ title: 'Second steps', number: '02' }),
    'katas/alpha/index.ts': "/**\n * alpha.\n * @module\n */\nexport * from './store.ts';\n",
    'katas/alpha/store.ts': "/** Puts a key. */\nexport function put(key: string, value: string): void {\n  // TODO(01): store it\n  throw new Error(`not implemented: ${key}=${value}`);\n}\n",
    'katas/beta/README.md': '---\npart: 2\ntitle: beta — after a gap\n---\n# Part II · beta\n\nThe second part.\n',
    'katas/beta/05-third.md': kataMarkdown({ title: 'Third steps', number: '05', front: 'title: Third steps\npoints: 20\nminutes: 90\nconcepts: [watch]\nfiles: [watch.ts]' }),
    'katas/beta/index.ts': "/**\n * beta.\n * @module\n */\nexport * from './watch.ts';\n",
    'katas/beta/watch.ts': '/** Watches. */\nexport function watch(): number {\n  return 0;\n}\n',
    'test/alpha/01-first.test.ts': "import { it } from 'vitest';\nit('puts a key', () => {});\n",
    'test/alpha/02-second.test.ts': "import { it } from 'vitest';\nit('puts another', () => {});\n",
    'test/beta/05-third.test.ts': "import { it } from 'vitest';\nit('watches', () => {});\n",
    'solutions/alpha/index.ts': "export * from './store.ts';\n",
    'solutions/alpha/store.ts': "/** SOLUTION-SECRET */\nexport function put(key: string, value: string): void {\n  void key; void value; // SOLUTION-SECRET\n}\n",
    'solutions/beta/index.ts': "export function watch(): number {\n  return 42; // SOLUTION-SECRET\n}\n",
    'kit/index.ts': '/**\n * The kit.\n * @module\n */\n/** A clock. */\nexport interface Clock {\n  /** now, in ms */\n  now(): number;\n}\n',
    'docs/architecture/index.md': '---\ntitle: How it works\norder: 0\n---\nThe cluster:\n\n```diagram\ncluster\n```\n\nStart with [kata 01](kata:alpha/01); the apiserver comes in [kata 07](kata:apiserver/07) and [its part](part:apiserver).\n\nNext: [the flow](flow.md).\n',
    'docs/architecture/flow.md': '---\ntitle: The flow\norder: 1\n---\n```diagram\nflow\n```\n',
    'docs/guide.md': '# A guide\n\n## A section\nFor instructors. Back to [the first kata](../katas/alpha/01-first.md).\n',
    'tsconfig.json': JSON.stringify({
      compilerOptions: {
        target: 'ES2023', lib: ['ES2023'], module: 'ESNext', moduleResolution: 'Bundler', allowImportingTsExtensions: true,
        noEmit: true, strict: true, skipLibCheck: true, types: [],
        paths: { '@kube/kit': ['./kit/index.ts'], '@kube/*': ['./katas/*/index.ts'] },
      },
      include: ['kit', 'katas', 'test'],
    }),
  };
}

/** Writes a fixture workbook (with `changes` applied; `null` deletes a file) into a new temporary folder. */
export function makeFixture(changes: Record<string, string | null> = {}): string {
  const root = mkdtempSync(join(tmpdir(), 'kubekata-docs-fixture-'));
  const files: Record<string, string | null> = { ...fixtureFiles(), ...changes };
  for (const [path, text] of Object.entries(files)) {
    if (text === null) continue;
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}
