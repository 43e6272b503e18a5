/**
 * tools/lib/mutation.ts: which solution code `npm run mutation` mutates for a kata, and how
 * docs/mutation.md lists the mutants that no test can kill.
 */
import { describe, expect, it } from 'vitest';
import { equivalentRow, isListed, laterLines, mutatePatterns, ownersOf, parseEquivalents, snippet, type MutantKey } from '../lib/mutation.ts';

const starter = `import { NotImplemented } from '@kube/kit';

/** Given. */
export function given(): number {
  return 1;
}

export class Store {
  get(key: string): string {
    // TODO(01): read the key
    throw new NotImplemented('01', 'Store.get');
  }

  compact(): void {
    // TODO(05): forget the past
    throw new NotImplemented('05', 'Store.compact');
  }
}
`;

const solution = `import { NotImplemented } from '@kube/kit';

/** Given. */
export function given(): number {
  return 1;
}

export class Store {
  private readonly pairs = new Map<string, string>();

  get(key: string): string {
    checkKey(key);
    return this.pairs.get(key) ?? '';
  }

  compact(): void {
    this.forget();
  }

  private forget(): void {
    this.pairs.clear();
  }
}

function checkKey(key: string): void {
  if (key === '') throw new Error(EMPTY);
}

const EMPTY = 'key is not provided';
`;

describe('ownersOf: whose code each member of a solution file is', () => {
  const owners = ownersOf(starter, solution);
  const owner = (key: string): string | undefined => owners.get(key)?.owner;

  it('gives a member the kata whose TODO its starter carries', () => {
    expect([owner('Store.get'), owner('Store.compact')]).toEqual(['01', '05']);
    expect(owners.get('Store.get')?.helper).toBe(false);
  });

  it('gives a helper the starter lacks to the earliest kata whose code uses it, through other helpers too', () => {
    expect([owner('checkKey'), owner('EMPTY'), owner('Store.pairs'), owner('Store.forget')]).toEqual(['01', '01', '01', '05']);
    expect(owners.get('checkKey')?.helper).toBe(true);
  });

  it('leaves given code out', () => {
    expect(owners.has('given')).toBe(false);
  });
});

describe('laterLines: lines a later kata adds to an earlier kata\'s member', () => {
  const member = [
    'list(options) {', //                                   line 40
    '  const prefix = prefixOf(options);',
    '  // Pages and reads of the past are kata 09\'s.',
    '  const paged = options.limit || options.continue;',
    '  if (paged) return this.listChunk(prefix, options);', // line 44
    '',
    '  return this.range(prefix);',
    '}',
  ].join('\n');

  it('gives the lines under "are kata NN\'s." up to the next blank line to kata NN', () => {
    expect(laterLines(member, 40)).toEqual([{ kata: '09', startLine: 43, endLine: 44 }]);
  });

  it('reads no other comment as a claim: a kata named in passing keeps its lines with the member', () => {
    expect(laterLines(member.replace("are kata 09's.", "ask kata 13's matcher only then."), 40)).toEqual([]);
  });

  it('does not count a helper the later lines use against the member\'s kata', () => {
    const starter = 'export class R {\n  list(o) {\n    // TODO(08): list\n    throw new Error();\n  }\n  private chunk(o) {\n    // TODO(09): page\n    throw new Error();\n  }\n}\n';
    const solution = 'export class R {\n  list(o) {\n    // Pages are kata 09\'s.\n    if (o.limit) return this.chunk(o, pageSize(o));\n\n    return [];\n  }\n  private chunk(o, n) {\n    return [n];\n  }\n}\nfunction pageSize(o) {\n  return o.limit;\n}\n';
    expect(ownersOf(starter, solution).get('pageSize')?.owner).toBe('09');
  });
});

describe('mutatePatterns', () => {
  it('names each member by its lines, as Stryker reads "file:start-end"', () => {
    expect(mutatePatterns([{ file: 'solutions/etcd/store.ts', member: 'Store.get', startLine: 11, endLine: 14, helper: false }])).toEqual(['solutions/etcd/store.ts:11-14']);
  });
});

describe('the table of equivalent mutants', () => {
  const key: MutantKey = {
    kata: '02',
    file: 'solutions/etcd/mvcc.ts',
    member: 'MvccStore.historiesIn',
    mutator: 'LogicalOperator',
    original: "rangeEnd === undefined || rangeEnd === ''",
    mutant: 'a `b` c',
  };

  it('reads back the row it prints, pipes and backticks included', () => {
    const page = `# Mutation testing\n\n## Equivalent mutants\n\n| kata | file | member | mutator | original | mutant | why it is equivalent |\n| --- | --- | --- | --- | --- | --- | --- |\n${equivalentRow(key, 'a shortcut: the loop finds the same key')}\n\n## Later\n| 03 | x |\n`;
    const listed = parseEquivalents(page);
    expect(listed).toEqual([{ ...key, why: 'a shortcut: the loop finds the same key' }]);
    expect(isListed(key, listed)).toBe(true);
    expect(isListed({ ...key, kata: '03' }, listed)).toBe(false);
  });

  it('collapses whitespace and cuts long code, so a row still matches after the code is reformatted', () => {
    expect(snippet('if (a)\n    {  b(); }')).toBe('if (a) { b(); }');
    expect(snippet('x'.repeat(200))).toHaveLength(120);
  });
});
