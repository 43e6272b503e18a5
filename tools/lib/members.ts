/**
 * A kata's share of a source file: the declarations and class members whose starter text carries
 * `TODO(NN)`. Files grow over several katas, so resetting kata 03 must restore the members kata 03
 * owns and leave kata 01's finished work, and the learner's own helpers, untouched.
 *
 * Example: the starter's `MemoryStore.txn` contains `// TODO(03): ...`; `restoreMembers(learner,
 * starter, '03')` puts the starter's `txn` back in place of the learner's and changes nothing else.
 */
import ts from 'typescript';

/** A declaration or class member and where it stands in its file. */
export interface Member {
  /** "prefixEnd", "MemoryStore.put", "MemoryStore.constructor", "Options" */
  key: string;
  /** the enclosing class's name, for members */
  owner?: string;
  start: number;
  end: number;
  text: string;
}

function nameOf(node: ts.Node, sf: ts.SourceFile): string | undefined {
  if (ts.isConstructorDeclaration(node)) return 'constructor';
  if (ts.isVariableStatement(node)) {
    return node.declarationList.declarations.map((d) => d.name.getText(sf)).join(',');
  }
  const named = node as ts.Node & { name?: ts.Node };
  return named.name ? named.name.getText(sf) : undefined;
}

/** Every top-level declaration and every class member of a TypeScript file, in order. */
export function members(source: string, fileName = 'file.ts'): Member[] {
  const sf = ts.createSourceFile(fileName, source, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const out: Member[] = [];
  const add = (node: ts.Node, key: string, owner?: string): void => {
    // With its own doc comment: the last JSDoc block before it (a file's header comment, which
    // TypeScript also attaches to the first declaration, stays with the file).
    const docs = (node as ts.Node & { jsDoc?: ts.JSDoc[] }).jsDoc;
    const start = docs?.length ? docs[docs.length - 1]!.getStart(sf) : node.getStart(sf);
    out.push({ key, start, end: node.getEnd(), text: source.slice(start, node.getEnd()), ...(owner ? { owner } : {}) });
  };
  for (const statement of sf.statements) {
    const name = nameOf(statement, sf);
    if (ts.isClassDeclaration(statement) && name) {
      for (const member of statement.members) {
        const memberName = nameOf(member, sf);
        if (!memberName) continue;
        const isStatic = ts.canHaveModifiers(member) && ts.getModifiers(member)?.some((m) => m.kind === ts.SyntaxKind.StaticKeyword);
        const accessor = ts.isGetAccessor(member) ? 'get ' : ts.isSetAccessor(member) ? 'set ' : '';
        add(member, `${name}.${isStatic ? 'static ' : ''}${accessor}${memberName}`, name);
      }
      continue;
    }
    if (name && !ts.isImportDeclaration(statement) && !ts.isExportDeclaration(statement)) add(statement, name);
  }
  return out;
}

/** The members whose text carries `TODO(<kata>)`: the kata's share of the file. */
export function kataMembers(source: string, kata: string): Member[] {
  const marker = `TODO(${kata})`;
  return members(source).filter((m) => m.text.includes(marker));
}

/**
 * Replaces, in `current`, every member that `reference` marks with `TODO(<kata>)` by the
 * member found under the same key in `replacement` (by default the reference itself).
 * A member missing from `current` is added (a class member before its class's closing brace, a
 * declaration at the end). Returns the new text and the keys it restored.
 *
 * With reference = starter and replacement = starter, this is `kata reset`. With reference =
 * starter, current = solution and replacement = starter, it builds "the solution with kata NN
 * undone" (the grader's half-done fixtures).
 */
export function restoreMembers(
  current: string,
  reference: string,
  kata: string,
  replacement: string = reference,
): { text: string; restored: string[] } {
  const wanted = kataMembers(reference, kata);
  const have = new Map(members(current).map((m) => [m.key, m]));
  const from = new Map(members(replacement).map((m) => [m.key, m]));
  const edits: { start: number; end: number; text: string }[] = [];
  const appended: string[] = [];
  for (const member of wanted) {
    const text = from.get(member.key)?.text ?? member.text;
    const existing = have.get(member.key);
    if (existing) {
      if (existing.text !== text) edits.push({ start: existing.start, end: existing.end, text });
    } else if (member.owner) {
      const close = classEnd(current, member.owner);
      if (close !== undefined) edits.push({ start: close, end: close, text: `\n  ${text}\n` });
      else appended.push(text);
    } else {
      appended.push(text);
    }
  }
  let text = current;
  for (const edit of edits.sort((a, b) => b.start - a.start)) {
    text = text.slice(0, edit.start) + edit.text + text.slice(edit.end);
  }
  if (appended.length > 0) text = `${text.trimEnd()}\n\n${appended.join('\n\n')}\n`;
  return { text, restored: wanted.map((m) => m.key) };
}

/** The offset of the closing brace of a top-level class, or undefined. */
function classEnd(source: string, className: string): number | undefined {
  const sf = ts.createSourceFile('file.ts', source, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  for (const statement of sf.statements) {
    if (ts.isClassDeclaration(statement) && statement.name?.text === className) return statement.getEnd() - 1;
  }
  return undefined;
}
