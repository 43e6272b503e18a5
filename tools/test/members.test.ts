import { describe, expect, it } from 'vitest';
import { test, fc } from '../../test/support/prop.ts';
import { kataMembers, members, restoreMembers } from '../lib/members.ts';

const starter = `import { NotImplemented } from '@kube/kit';

/** A store. */
export class Store {
  private data = new Map<string, string>();

  put(key: string, value: string): void {
    // TODO(01): store it.
    throw new NotImplemented('01', 'Store.put');
  }

  txn(): void {
    // TODO(03): run a transaction.
    throw new NotImplemented('03', 'Store.txn');
  }
}

export function prefixEnd(key: string): string {
  // TODO(01): the end of the prefix range.
  throw new NotImplemented('01', 'prefixEnd');
}
`;

const learner = starter
  .replace("// TODO(01): store it.\n    throw new NotImplemented('01', 'Store.put');", 'this.data.set(key, value);')
  .replace("// TODO(03): run a transaction.\n    throw new NotImplemented('03', 'Store.txn');", 'this.helper();')
  .replace('  txn(): void {', '  private helper(): void {}\n\n  txn(): void {');

describe('a kata\'s share of a file', () => {
  it('finds the members that carry the kata\'s TODO marker', () => {
    expect(kataMembers(starter, '01').map((m) => m.key)).toEqual(['Store.put', 'prefixEnd']);
    expect(kataMembers(starter, '03').map((m) => m.key)).toEqual(['Store.txn']);
    expect(members(starter).map((m) => m.key)).toEqual(['Store.data', 'Store.put', 'Store.txn', 'prefixEnd']);
  });

  it('restores kata 03\'s members and keeps kata 01\'s work and the learner\'s own helper', () => {
    const { text, restored } = restoreMembers(learner, starter, '03');
    expect(restored).toEqual(['Store.txn']);
    expect(text).toContain('this.data.set(key, value);');
    expect(text).toContain('private helper(): void {}');
    expect(text).toContain("throw new NotImplemented('03', 'Store.txn');");
  });

  it('puts back a member the learner deleted', () => {
    const without = learner.replace(/\n\s*txn\(\): void \{[\s\S]*?\n  \}\n/, '\n');
    expect(without).not.toContain('txn()');
    const { text } = restoreMembers(without, starter, '03');
    expect(text).toContain("throw new NotImplemented('03', 'Store.txn');");
    expect(members(text).find((m) => m.key === 'Store.txn')?.owner).toBe('Store');
  });

  test.prop([fc.constantFrom('01', '03')])('restoring a kata twice changes nothing the second time', (kata) => {
    const once = restoreMembers(learner, starter, kata).text;
    expect(restoreMembers(once, starter, kata).text).toBe(once);
  });

  test.prop([fc.constantFrom('01', '03', '07')])('restoring the pristine starter leaves it as it is', (kata) => {
    expect(restoreMembers(starter, starter, kata).text).toBe(starter);
  });
});

describe('a member\'s text', () => {
  it('starts at its own doc comment, leaving the file\'s header comment to the file', () => {
    const source = '/** The file. */\n\n/** Adds. */\nexport function add(): void {}\n';
    expect(members(source)[0]!.text).toBe('/** Adds. */\nexport function add(): void {}');
  });
});
