/**
 * Branches of a migration module written for another database: `if (client === 'mysql') { … }`,
 * `knex.client.config.client === 'mssql' ? … : …`, `switch (knex.client.dialect) { case 'sqlite3': … }`,
 * `['mysql', 'mysql2'].includes(client)`. The code inside a branch for another database never runs against this
 * one, so the parsers skip it. A condition is about the client when one side is a string literal and the other an
 * expression whose last name mentions the client, dialect or driver (`client`, `knex.client.config.client`,
 * `dbClient`, `process.env.DB_DIALECT`); anything else is unknown and both branches are read.
 */
import ts from 'typescript';
import { clientFamily } from '../clients';
import type { Dialect } from '../types';
import { unparen } from './ts-module';

/** What a condition is under the analysed dialect: certainly true, certainly false, or unknown. */
type Truth = boolean | undefined;

/** `client`, `knex.client.config.client`, `dbDialect`, `process.env.DB_CLIENT`: an expression naming the database client. */
function isClientExpression(e: ts.Expression): boolean {
  const x = unparen(e);
  const name = ts.isIdentifier(x) ? x.text : ts.isPropertyAccessExpression(x) ? x.name.text : undefined;
  return name !== undefined && /(client|dialect|driver)$/i.test(name);
}

function literal(e: ts.Expression): string | undefined {
  const x = unparen(e);
  return ts.isStringLiteral(x) || ts.isNoSubstitutionTemplateLiteral(x) ? x.text : undefined;
}

/** Whether the client named `name` (a Knex client name, or a part of one for `includes`) is of `dialect`'s family. */
function sameDatabase(name: string, dialect: Dialect): boolean {
  return clientFamily(name) === dialect;
}

/** `client === 'x'` and its negations; `client.includes('x')`, `startsWith`; `['x', 'y'].includes(client)`. */
function comparison(e: ts.Expression, dialect: Dialect): Truth {
  if (ts.isBinaryExpression(e)) {
    const op = e.operatorToken.kind;
    const eq = op === ts.SyntaxKind.EqualsEqualsEqualsToken || op === ts.SyntaxKind.EqualsEqualsToken;
    const ne = op === ts.SyntaxKind.ExclamationEqualsEqualsToken || op === ts.SyntaxKind.ExclamationEqualsToken;
    if (!eq && !ne) return undefined;
    const lit = literal(e.right) ?? literal(e.left);
    const other = literal(e.right) !== undefined ? e.left : e.right;
    if (lit === undefined || !isClientExpression(other)) return undefined;
    return sameDatabase(lit, dialect) === eq;
  }
  if (!ts.isCallExpression(e) || !ts.isPropertyAccessExpression(e.expression) || e.arguments.length !== 1) return undefined;
  const method = e.expression.name.text;
  const target = unparen(e.expression.expression);
  const arg = e.arguments[0]!;
  if (method === 'includes' && ts.isArrayLiteralExpression(target) && isClientExpression(arg)) {
    const names = target.elements.map(literal);
    if (names.some((n) => n === undefined)) return undefined;
    return names.some((n) => sameDatabase(n!, dialect));
  }
  const lit = literal(arg);
  if ((method === 'includes' || method === 'startsWith') && lit !== undefined && isClientExpression(target)) {
    // `client.includes('sqlite')` is true for `sqlite3` and `better-sqlite3`; `'mysql'` names no family we lint.
    const family = clientFamily(lit) !== 'other' ? clientFamily(lit) : /sqlite/i.test(lit) ? 'sqlite' : /^(pg|postgres)/i.test(lit) ? 'postgresql' : 'other';
    return family === dialect;
  }
  return undefined;
}

/** Evaluates `e` under `dialect` with three-valued logic (`!`, `&&`, `||`, parentheses, client comparisons). */
export function conditionUnder(e: ts.Expression, dialect: Dialect, depth = 0): Truth {
  if (depth > 20) return undefined;
  const x = unparen(e);
  if (ts.isPrefixUnaryExpression(x) && x.operator === ts.SyntaxKind.ExclamationToken) {
    const v = conditionUnder(x.operand, dialect, depth + 1);
    return v === undefined ? undefined : !v;
  }
  if (ts.isBinaryExpression(x) && (x.operatorToken.kind === ts.SyntaxKind.AmpersandAmpersandToken || x.operatorToken.kind === ts.SyntaxKind.BarBarToken)) {
    const a = conditionUnder(x.left, dialect, depth + 1);
    const b = conditionUnder(x.right, dialect, depth + 1);
    if (x.operatorToken.kind === ts.SyntaxKind.AmpersandAmpersandToken) return a === false || b === false ? false : a && b ? true : undefined;
    return a === true || b === true ? true : a === false && b === false ? false : undefined;
  }
  return comparison(x, dialect);
}

/**
 * Calls `visit` on the children of `n` that run under `dialect`: for an `if`, a conditional expression or a `switch`
 * on the client, the branches for another database are left out; for any other node, every child (as
 * `ts.forEachChild`).
 */
export function forEachLiveChild(n: ts.Node, dialect: Dialect, visit: (child: ts.Node) => void): void {
  if (ts.isIfStatement(n) || ts.isConditionalExpression(n)) {
    const [cond, yes, no] = ts.isIfStatement(n) ? [n.expression, n.thenStatement, n.elseStatement] : [n.condition, n.whenTrue, n.whenFalse];
    const v = conditionUnder(cond, dialect);
    visit(cond);
    if (v !== false) visit(yes);
    if (v !== true && no) visit(no);
    return;
  }
  if (ts.isSwitchStatement(n) && isClientExpression(n.expression)) {
    visit(n.expression);
    for (const clause of n.caseBlock.clauses) {
      const lit = ts.isCaseClause(clause) ? literal(clause.expression) : undefined;
      // A case for another database (fall-through into it from a live case is rare in migrations).
      if (lit === undefined || sameDatabase(lit, dialect)) visit(clause);
    }
    return;
  }
  ts.forEachChild(n, visit);
}
