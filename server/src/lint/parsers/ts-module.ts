/**
 * TypeScript-compiler helpers shared by the migration-module parsers (Knex, node-pg-migrate): what a
 * function is, how to see through parentheses and casts, `export` modifiers, script kinds, and the
 * top-level declarations used to resolve `module.exports = { up }` / `exports.up = up`.
 */
import ts from 'typescript';

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
