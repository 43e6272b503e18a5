/**
 * The public API of a component as text, so that katas/ and solutions/ can be compared: every
 * export's name and the types a caller sees (for a class: its constructor and public members;
 * private fields are the learner's business).
 *
 * Example: `{ "MemoryStore": "class; new (): MemoryStore; put: (key: string, value: string) => PutResult; ..." }`.
 */
import ts from 'typescript';
import { join } from 'node:path';
import { ROOT } from './targets.ts';

/** export name → a description of its public type */
export type ApiShape = Map<string, string>;

/** Describes the exports of each given entry file (e.g. katas/etcd/index.ts), in one program. */
export function apiShapes(entries: string[], tsconfig = join(ROOT, 'tsconfig.json')): Map<string, ApiShape> {
  const config = ts.readConfigFile(tsconfig, ts.sys.readFile);
  const parsed = ts.parseJsonConfigFileContent(config.config, ts.sys, ROOT);
  const program = ts.createProgram(entries, { ...parsed.options, noEmit: true });
  const checker = program.getTypeChecker();
  const flags = ts.TypeFormatFlags.NoTruncation;
  const shapes = new Map<string, ApiShape>();
  for (const entry of entries) {
    const sf = program.getSourceFile(entry);
    const shape: ApiShape = new Map();
    const moduleSymbol = sf && checker.getSymbolAtLocation(sf);
    if (!sf || !moduleSymbol) {
      shapes.set(entry, shape);
      continue;
    }
    for (const exported of checker.getExportsOfModule(moduleSymbol)) {
      const symbol = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
      // Types print as import("/…/katas/etcd/store").KeyValue: name them by their file within the
      // component, so that the starter's and the solution's read alike.
      const text = describe(symbol, checker, sf, flags).replace(/import\("[^"]*\/(?:katas|solutions)\/([^"]+)"\)\./g, '$1:');
      shape.set(exported.name, text);
    }
    shapes.set(entry, shape);
  }
  return shapes;
}

function isPublic(symbol: ts.Symbol): boolean {
  const decl = symbol.valueDeclaration ?? symbol.declarations?.[0];
  if (!decl) return true;
  if (ts.isPrivateIdentifier((decl as ts.NamedDeclaration).name ?? ({} as ts.Node))) return false;
  const mods = ts.getCombinedModifierFlags(decl as ts.Declaration);
  return !(mods & (ts.ModifierFlags.Private | ts.ModifierFlags.Protected));
}

function members(type: ts.Type, checker: ts.TypeChecker, at: ts.Node, flags: ts.TypeFormatFlags): string[] {
  return checker
    .getPropertiesOfType(type)
    .filter(isPublic)
    .map((p) => `${p.name}${p.flags & ts.SymbolFlags.Optional ? '?' : ''}: ${checker.typeToString(checker.getTypeOfSymbolAtLocation(p, at), at, flags)}`)
    .sort();
}

function describe(symbol: ts.Symbol, checker: ts.TypeChecker, at: ts.Node, flags: ts.TypeFormatFlags): string {
  const parts: string[] = [];
  if (symbol.flags & ts.SymbolFlags.Class) {
    const staticType = checker.getTypeOfSymbolAtLocation(symbol, at);
    const construct = staticType.getConstructSignatures().map((s) => `new ${checker.signatureToString(s, at, flags)}`);
    const instance = checker.getDeclaredTypeOfSymbol(symbol);
    const statics = members(staticType, checker, at, flags).filter((m) => !m.startsWith('prototype:'));
    parts.push('class', ...construct, ...members(instance, checker, at, flags), ...statics.map((s) => `static ${s}`));
  } else if (symbol.flags & (ts.SymbolFlags.Function | ts.SymbolFlags.Variable | ts.SymbolFlags.Enum)) {
    parts.push(checker.typeToString(checker.getTypeOfSymbolAtLocation(symbol, at), at, flags));
  }
  if (symbol.flags & (ts.SymbolFlags.Interface | ts.SymbolFlags.TypeAlias)) {
    const type = checker.getDeclaredTypeOfSymbol(symbol);
    parts.push('type', checker.typeToString(type, at, flags | ts.TypeFormatFlags.InTypeAlias), ...members(type, checker, at, flags));
  }
  return parts.join('; ');
}

/** The differences between two shapes, as sentences ("Store.put: ... in katas, ... in solutions"). */
export function compareShapes(katas: ApiShape, solutions: ApiShape): string[] {
  const problems: string[] = [];
  for (const [name, shape] of katas) {
    if (!solutions.has(name)) problems.push(`"${name}" is exported by the starter but not by the solution`);
    else if (solutions.get(name) !== shape) problems.push(`"${name}" differs:\n      starter:  ${shape}\n      solution: ${solutions.get(name)}`);
  }
  for (const name of solutions.keys()) {
    if (!katas.has(name)) problems.push(`"${name}" is exported by the solution but not by the starter`);
  }
  return problems;
}
