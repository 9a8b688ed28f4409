/**
 * TypeScript-compiler helpers shared by the migration-module parsers (Knex, node-pg-migrate): what a
 * function is, how to see through parentheses and casts, `export` modifiers, script kinds, and the
 * top-level declarations used to resolve `module.exports = { up }` / `exports.up = up`.
 */
import ts from 'typescript';
import type { SyntaxProblem } from '../model';
import type { TextRange } from '../text';
import { decodeJsString, type DecodedString } from './js-string';

/** A node that can be a migration's `up`/`down` body. */
export type FunctionLike = ts.FunctionExpression | ts.ArrowFunction | ts.FunctionDeclaration | ts.MethodDeclaration;

/** `e` without surrounding parentheses, `as`/`satisfies`/`!` and `<T>` assertions. */
export function unparen(e: ts.Expression): ts.Expression {
  let cur = e;
  while (ts.isParenthesizedExpression(cur) || ts.isAsExpression(cur) || ts.isSatisfiesExpression(cur) || ts.isNonNullExpression(cur) || ts.isTypeAssertionExpression(cur)) {
    cur = cur.expression;
  }
  return cur;
}

export function isFunctionLike(n: ts.Node | undefined): n is FunctionLike {
  return !!n && (ts.isFunctionExpression(n) || ts.isArrowFunction(n) || ts.isFunctionDeclaration(n) || ts.isMethodDeclaration(n));
}

export function hasExportModifier(n: ts.Node): boolean {
  return ts.canHaveModifiers(n) && (ts.getModifiers(n) ?? []).some((m) => m.kind === ts.SyntaxKind.ExportKeyword);
}

/** Script kind by file extension: `.tsx`, `.jsx`, `.js/.cjs/.mjs`, else TypeScript. */
export function scriptKind(fileName: string): ts.ScriptKind {
  const f = fileName.toLowerCase();
  if (f.endsWith('.tsx')) return ts.ScriptKind.TSX;
  if (f.endsWith('.jsx')) return ts.ScriptKind.JSX;
  if (/\.(js|cjs|mjs)$/.test(f)) return ts.ScriptKind.JS;
  return ts.ScriptKind.TS;
}

/**
 * Parses a migration module (`fallbackName` when there is no file name), parents set (the parsers look up).
 * JSDoc is not parsed: no rule reads it, and the `/** @param { import("knex").Knex } knex *\/` blocks that
 * `knex migrate:make` writes cost ~25–50% of the parse time of such a file cold (TypeScript 5.3+
 * `JSDocParsingMode.ParseNone`, the mode tsc uses for files whose JSDoc it never checks).
 */
export function parseModule(fileName: string, text: string, fallbackName: string): ts.SourceFile {
  return ts.createSourceFile(fileName || fallbackName, text, { languageVersion: ts.ScriptTarget.Latest, jsDocParsingMode: ts.JSDocParsingMode.ParseNone }, true, scriptKind(fileName));
}

/**
 * The first syntax error TypeScript's parser found in `sf`, as a {@link SyntaxProblem} (e.g. `')' expected.` at the
 * `}` of `t.increments( });`), or none. Read from `parseDiagnostics`, the parser's own list (an internal property of
 * `ts.SourceFile`, stable since TypeScript 2 and what `program.getSyntacticDiagnostics` returns for a TypeScript
 * file; no Program is built for it). Only the first: the parser recovers, and the errors after it are mostly its
 * echoes, while Node stops loading the module at the first.
 */
export function moduleSyntaxErrors(sf: ts.SourceFile): SyntaxProblem[] {
  const first = (sf as ts.SourceFile & { parseDiagnostics?: readonly ts.DiagnosticWithLocation[] }).parseDiagnostics?.[0];
  if (!first) return [];
  const start = Math.min(first.start, sf.text.length);
  return [{ range: { start, end: Math.min(sf.text.length, start + Math.max(first.length, 0)) }, message: ts.flattenDiagnosticMessageText(first.messageText, ' ') }];
}

/**
 * Statement ranges for suppression comments (UTF-16, without leading trivia), in tree order: every node whose parent
 * is a block, the source file, a module block, a `case`/`default` clause or an object literal (so each statement
 * and object property), tokens excepted.
 */
export function statementRanges(sf: ts.SourceFile): TextRange[] {
  const out: TextRange[] = [];
  const visit = (n: ts.Node): void => {
    const p = n.parent;
    if (p && (ts.isBlock(p) || ts.isSourceFile(p) || ts.isModuleBlock(p) || ts.isCaseOrDefaultClause(p) || ts.isObjectLiteralExpression(p)) && !ts.isToken(n)) out.push({ start: n.getStart(sf), end: n.end });
    ts.forEachChild(n, visit);
  };
  ts.forEachChild(sf, visit);
  return out;
}

/** Top-level function declarations and initialised variables, by name (for resolving exported identifiers). */
export function topLevelDeclarations(sf: ts.SourceFile): Map<string, ts.Node> {
  const locals = new Map<string, ts.Node>();
  for (const s of sf.statements) {
    if (ts.isFunctionDeclaration(s) && s.name) locals.set(s.name.text, s);
    if (ts.isVariableStatement(s)) {
      for (const d of s.declarationList.declarations) if (ts.isIdentifier(d.name) && d.initializer) locals.set(d.name.text, d.initializer);
    }
  }
  return locals;
}

/** A migration module's `up` or `down` export: its name node, the function it resolves to, and whether it is explicitly absent. */
export interface MigrationFunctionExport {
  nameNode: ts.Node;
  fn?: FunctionLike;
  /** The exported value is `undefined`/`null` (or `false`, with `falseIsNullish`): no migration in that direction. */
  nullish: boolean;
  /**
   * The value is `false` and `falseIsNullish` is set: node-pg-migrate's declared irreversible migration (its runner
   * then refuses the rollback with "User has disabled down migration on file: …", node-pg-migrate `lib/migration`).
   */
  declaredIrreversible?: boolean;
}

/** Options of {@link findMigrationExports}. */
export interface MigrationExportOptions {
  /** node-pg-migrate: `exports.down = false` declares an irreversible migration. */
  falseIsNullish?: boolean;
  /** Sees every named export and its value, in source order (Knex reads `config` for `transaction: false`). */
  onExport?: (name: string, value: ts.Node | undefined) => void;
}

/**
 * The `up`/`down` exports of a migration module (Knex, node-pg-migrate), first one of each name wins.
 * Recognised: `exports.x = …`, `module.exports.x = …`, `module.exports = { x, y: …, z() {} }`,
 * `export default { … }`, `export [async] function x`, `export const x = …`, `export { a as x }`.
 * Exported identifiers are resolved through `locals` ({@link topLevelDeclarations}), parentheses and casts.
 */
export function findMigrationExports(sf: ts.SourceFile, locals: Map<string, ts.Node>, options: MigrationExportOptions = {}): Map<'up' | 'down', MigrationFunctionExport> {
  const resolve = (n: ts.Node | undefined, depth = 0): { fn?: FunctionLike; nullish: boolean; declaredIrreversible?: boolean } => {
    if (!n || depth > 5) return { nullish: false };
    if (isFunctionLike(n)) return { fn: n, nullish: false };
    if (n.kind === ts.SyntaxKind.NullKeyword) return { nullish: true };
    if (options.falseIsNullish && n.kind === ts.SyntaxKind.FalseKeyword) return { nullish: true, declaredIrreversible: true };
    if (ts.isIdentifier(n)) return n.text === 'undefined' ? { nullish: true } : resolve(locals.get(n.text), depth + 1);
    if (ts.isParenthesizedExpression(n) || ts.isAsExpression(n) || ts.isSatisfiesExpression(n)) return resolve(n.expression, depth + 1);
    return { nullish: false };
  };
  const found = new Map<'up' | 'down', MigrationFunctionExport>();
  const add = (name: string, nameNode: ts.Node, value: ts.Node | undefined): void => {
    options.onExport?.(name, value);
    if ((name !== 'up' && name !== 'down') || found.has(name)) return;
    found.set(name, { nameNode, ...resolve(value) });
  };
  const addObject = (o: ts.ObjectLiteralExpression): void => {
    for (const p of o.properties) {
      if (ts.isPropertyAssignment(p) && (ts.isIdentifier(p.name) || ts.isStringLiteral(p.name))) add(p.name.text, p.name, p.initializer);
      else if (ts.isShorthandPropertyAssignment(p)) add(p.name.text, p.name, p.name);
      else if (ts.isMethodDeclaration(p) && ts.isIdentifier(p.name)) add(p.name.text, p.name, p);
    }
  };
  const isModuleExports = (e: ts.Expression): boolean => ts.isPropertyAccessExpression(e) && ts.isIdentifier(e.expression) && e.expression.text === 'module' && e.name.text === 'exports';
  for (const s of sf.statements) {
    if (ts.isExpressionStatement(s) && ts.isBinaryExpression(s.expression) && s.expression.operatorToken.kind === ts.SyntaxKind.EqualsToken) {
      const { left, right } = s.expression;
      if (ts.isPropertyAccessExpression(left) && ((ts.isIdentifier(left.expression) && left.expression.text === 'exports') || isModuleExports(left.expression))) {
        add(left.name.text, left.name, right);
      } else if (isModuleExports(left)) {
        const r = unparen(right);
        if (ts.isObjectLiteralExpression(r)) addObject(r);
      }
    } else if (ts.isFunctionDeclaration(s) && s.name && hasExportModifier(s)) {
      add(s.name.text, s.name, s);
    } else if (ts.isVariableStatement(s) && hasExportModifier(s)) {
      for (const d of s.declarationList.declarations) if (ts.isIdentifier(d.name)) add(d.name.text, d.name, d.initializer);
    } else if (ts.isExportAssignment(s)) {
      const r = unparen(s.expression);
      if (ts.isObjectLiteralExpression(r)) addObject(r);
    } else if (ts.isExportDeclaration(s) && s.exportClause && ts.isNamedExports(s.exportClause) && !s.moduleSpecifier) {
      for (const el of s.exportClause.elements) add(el.name.text, el.name, el.propertyName ?? el.name);
    }
  }
  return found;
}

/**
 * The value of a string literal (`'…'`, `"…"`, or a template without substitutions) that starts at `litStart`
 * in `text`, with each character's source range (js-string.ts). If the decoder disagrees with TypeScript's
 * reading, every character maps to the whole literal.
 */
export function decodeStringLiteral(text: string, lit: ts.StringLiteral | ts.NoSubstitutionTemplateLiteral, litStart: number): DecodedString {
  const decoded = decodeJsString(text.slice(litStart + 1, lit.end - 1), litStart + 1, ts.isNoSubstitutionTemplateLiteral(lit));
  if (decoded && decoded.value === lit.text) return decoded;
  const n = lit.text.length;
  return { value: lit.text, starts: new Array<number>(n).fill(litStart), ends: new Array<number>(n).fill(lit.end), contentEnd: lit.end };
}
