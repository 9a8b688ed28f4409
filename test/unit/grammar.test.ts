/**
 * The SQL injection grammar, tokenized with VS Code's own TextMate engine (vscode-textmate +
 * vscode-oniguruma) over the real JavaScript, TypeScript, Python and SQL grammars (tm-grammars).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as oniguruma from 'vscode-oniguruma';
import * as textmate from 'vscode-textmate';

const root = path.resolve(__dirname, '../..');
const grammarsDir = path.join(root, 'node_modules', 'tm-grammars', 'grammars');
const injectionPath = path.join(root, 'syntaxes', 'sql-injection.tmLanguage.json');
const injectionScope = 'migration-guard.sql-injection';
const files: Record<string, string> = {
  'source.js': path.join(grammarsDir, 'javascript.json'),
  'source.ts': path.join(grammarsDir, 'typescript.json'),
  'source.python': path.join(grammarsDir, 'python.json'),
  'source.sql': path.join(grammarsDir, 'sql.json'),
  [injectionScope]: injectionPath,
};

let registry: textmate.Registry | undefined;
async function getRegistry(): Promise<textmate.Registry> {
  if (registry) return registry;
  const wasm = fs.readFileSync(path.join(root, 'node_modules', 'vscode-oniguruma', 'release', 'onig.wasm'));
  await oniguruma.loadWASM(wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength));
  registry = new textmate.Registry({
    onigLib: Promise.resolve({ createOnigScanner: (s) => new oniguruma.OnigScanner(s), createOnigString: (s) => new oniguruma.OnigString(s) }),
    loadGrammar: async (scope) => (files[scope] ? textmate.parseRawGrammar(fs.readFileSync(files[scope], 'utf8'), files[scope]) : null),
    getInjections: (scope) => (['source.js', 'source.ts', 'source.python'].includes(scope) ? [injectionScope] : undefined),
  });
  return registry;
}

/** Scopes of the token covering the first character of `word` on the line. */
async function scopesOf(scope: string, line: string, word: string): Promise<string[]> {
  const grammar = await (await getRegistry()).loadGrammar(scope);
  assert.ok(grammar, `grammar ${scope}`);
  const { tokens } = grammar.tokenizeLine(line, textmate.INITIAL);
  const at = line.indexOf(word);
  assert.ok(at >= 0, `${word} in ${line}`);
  const token = tokens.find((t) => t.startIndex <= at && at < t.endIndex);
  assert.ok(token, `token ${word} in ${JSON.stringify(line)}`);
  return token.scopes;
}

test('package.json contributes the injection grammar for JS, TS and Python with SQL as the embedded language', () => {
  const manifest = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
  const entry = manifest.contributes.grammars.find((g: { scopeName: string }) => g.scopeName === injectionScope);
  assert.ok(entry);
  assert.equal(path.resolve(root, entry.path), injectionPath);
  assert.deepEqual(entry.injectTo, ['source.js', 'source.ts', 'source.python']);
  assert.equal(entry.embeddedLanguages['meta.embedded.block.sql'], 'sql');
});

test('SQL inside knex.raw(...) in JavaScript is tokenized as SQL', async () => {
  const scopes = await scopesOf('source.js', "  await knex.raw('DROP TABLE users');", 'DROP');
  assert.ok(scopes.includes('meta.embedded.block.sql'), scopes.join(' '));
  assert.ok(scopes.some((s) => s.startsWith('keyword.') && s.endsWith('.sql')), scopes.join(' '));
});

test('template literals in TypeScript knex.schema.raw(`...`) are SQL too', async () => {
  const scopes = await scopesOf('source.ts', 'await knex.schema.raw(`CREATE INDEX CONCURRENTLY i ON t (c)`);', 'CREATE');
  assert.ok(scopes.includes('meta.embedded.block.sql'), scopes.join(' '));
});

test('SQL inside op.execute("...") in an Alembic revision is tokenized as SQL', async () => {
  const scopes = await scopesOf('source.python', '    op.execute("TRUNCATE audit_log")', 'TRUNCATE');
  assert.ok(scopes.includes('meta.embedded.block.sql'), scopes.join(' '));
});

test('ordinary strings stay strings', async () => {
  const scopes = await scopesOf('source.js', "console.log('DROP TABLE users');", 'DROP');
  assert.ok(scopes.some((s) => s.startsWith('string.')), scopes.join(' '));
  assert.ok(!scopes.includes('meta.embedded.block.sql'), scopes.join(' '));
});
