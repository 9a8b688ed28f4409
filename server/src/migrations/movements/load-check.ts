/**
 * Loads the migration modules an upgrade or a downgrade will run, the way Knex loads them, BEFORE anything is written
 * (no backup, no preview, no migration): a module that Knex cannot load, or that lacks `up` or `down`, is an
 * EngineError `migration-load` naming file:line:column, instead of a failure after the backup that says "rolled back"
 * although nothing ran (issue 12, item 5; issue 13, item 8).
 *
 * Knex facts (knex 3.3.0): lib/migrations/util/import-file.js `import()`s a `.mjs` file, or any file but `.cjs` whose
 * nearest package.json says `"type": "module"` (is-module-type.js, get-package-type), and `require()`s the rest;
 * lib/migrations/migrate/Migrator.js `_validateMigrationStructure` refuses, in every direction, a module whose `up`
 * or `down` is not a function ("Invalid migration: <name> must have both an up and down function"), reading them on
 * the loaded module itself (no `default` unwrapping). The modules land in Node's module caches, so Knex's own load
 * later costs nothing more.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { importProjectModule } from '../project/lasting-state';
import vm from 'node:vm';
import { EngineError, errorMessage, isEngineError } from '../errors';
import { DEFAULT_LOAD_TIMEOUT_MS, withTimeout } from '../timeouts';

/** A migration to check: its name as Knex records it and its absolute file (null: no file, reported elsewhere). */
export interface LoadCheckTarget {
  name: string;
  file: string | null;
}

/** A 1-based position in a file. */
interface FilePosition {
  line: number;
  column: number;
}

const packageTypes = new Map<string, string | undefined>();

/** `type` of the nearest package.json above `dir` (get-package-type's answer), cached per folder. */
function packageType(dir: string): string | undefined {
  if (packageTypes.has(dir)) return packageTypes.get(dir);
  let type: string | undefined;
  try {
    const pkg = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { type?: unknown };
    type = typeof pkg.type === 'string' ? pkg.type : undefined;
  } catch (err) {
    const parent = path.dirname(dir);
    type = (err as { code?: string }).code === 'ENOENT' && parent !== dir ? packageType(parent) : undefined;
  }
  packageTypes.set(dir, type);
  return type;
}

/** Knex's is-module-type.js: `.mjs`, or not `.cjs` under a package.json with `"type": "module"`. */
function isModuleType(file: string): boolean {
  return file.endsWith('.mjs') || (!file.endsWith('.cjs') && packageType(path.dirname(file)) === 'module');
}

/**
 * Loads `file` as Knex's import-file.js does; an `import()` (top-level await) gets `timeoutMs` (a `require()` is
 * synchronous and cannot be timed).
 * @throws EngineError `knexfile-load` naming the file when the import does not settle in time; else what loading throws.
 */
export async function loadAsKnex(file: string, timeoutMs: number): Promise<unknown> {
  if (!isModuleType(file)) return createRequire(file)(file);
  return withTimeout(importProjectModule(pathToFileURL(file).href), timeoutMs, {
    code: 'knexfile-load',
    what: `The migration module ${file}`,
    verb: 'settle',
    hint: 'Look in the migration for a top-level await that never ends, or raise --load-timeout.',
  });
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Where in `file` loading failed, from the error alone: Node's decorated SyntaxError (`<file>:<line>`, the source line,
 * a `^` under the column), esbuild's transform error under tsx (`<file>:<line>:<column>: ERROR:`, 0-based column), a
 * `<file>:<line>:<column>` in the stack (a runtime error's frame), or undefined.
 */
function positionFromError(err: unknown, file: string): FilePosition | undefined {
  const text = err instanceof Error ? `${err.stack ?? ''}\n${err.message}` : String(err);
  const names = [file, pathToFileURL(file).href].map(escapeRegExp).join('|');
  const decorated = new RegExp(`^(?:${names}):(\\d+)\\n.*\\n( *)\\^`).exec(text);
  if (decorated) return { line: Number(decorated[1]), column: (decorated[2]?.length ?? 0) + 1 };
  // esbuild (tsx's loader): `<file>:<line>:<column>: ERROR: …`, the column 0-based.
  const esbuild = new RegExp(`(?:${names}):(\\d+):(\\d+): ERROR: `).exec(text);
  if (esbuild) return { line: Number(esbuild[1]), column: Number(esbuild[2]) + 1 };
  const framed = new RegExp(`(?:${names}):(\\d+):(\\d+)`).exec(text);
  if (framed) return { line: Number(framed[1]), column: Number(framed[2]) };
  return undefined;
}

/**
 * Where the syntax error of `file` is when the error did not say (an ES module's SyntaxError has no position in
 * Node 20): V8 compiles a CommonJS file as Node would (`vm.compileFunction` with the CommonJS wrapper's parameters,
 * so lines and columns are the file's own); else the TypeScript parser (lint/index.ts `moduleSyntaxError`).
 */
async function syntaxErrorPosition(file: string): Promise<FilePosition | undefined> {
  let source: string;
  try {
    source = readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  if (/\.c?js$/i.test(file) && !isModuleType(file)) {
    try {
      vm.compileFunction(source, ['exports', 'require', 'module', '__filename', '__dirname'], { filename: file });
    } catch (err) {
      const found = positionFromError(err, file);
      if (found) return found;
    }
  }
  const problem = (await import('../../lint')).moduleSyntaxError(source, file);
  if (!problem) return undefined;
  const before = source.slice(0, problem.range.start);
  const line = before.split('\n').length;
  return { line, column: problem.range.start - (before.lastIndexOf('\n') + 1) + 1 };
}

/**
 * The first line of an error: `SyntaxError: Unexpected token '}'`. A first line that announces what follows
 * (esbuild's `Transform failed with 1 error:` under tsx) gets the next line too, without its `<file>:<l>:<c>: `.
 */
function firstLine(err: unknown, file: string): string {
  const name = err instanceof Error ? err.name : 'Error';
  const lines = errorMessage(err)
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '');
  let message = lines[0] ?? '';
  if (message.endsWith(':') && lines[1]) message = `${message} ${lines[1].replace(new RegExp(`^(?:${escapeRegExp(file)}):\\d+:\\d+: `), '')}`;
  return message.startsWith(`${name}:`) ? message : `${name}: ${message}`;
}

const NOTHING_WRITTEN = 'Nothing was written: no backup was taken and no migration ran.';

/**
 * Loads each target's module as Knex will (see the module comment) and checks that it exports `up` and `down`
 * functions, in order, stopping at the first problem. Runs the modules' top-level code (Knex does so too, before
 * any migration runs); runs no `up`/`down`. Targets without a file are skipped.
 * `timeoutMs`: limit on each ES module import (the project's load timeout, `--load-timeout`).
 * @throws EngineError `migration-load` (CLI exit 1): the message names the migration, `file:line:column` when the
 *   position is known, and the error's first line (or the missing functions); `knexfile-load` (exit 2) when an
 *   import does not settle within `timeoutMs`.
 */
export async function checkMigrationModules(targets: readonly LoadCheckTarget[], timeoutMs = DEFAULT_LOAD_TIMEOUT_MS): Promise<void> {
  for (const { name, file } of targets) {
    if (!file) continue;
    let loaded: unknown;
    try {
      loaded = await loadAsKnex(file, timeoutMs);
    } catch (err) {
      if (isEngineError(err)) throw err;
      const position = positionFromError(err, file) ?? (err instanceof SyntaxError ? await syntaxErrorPosition(file) : undefined);
      const where = position ? `${file}:${position.line}:${position.column}` : file;
      throw new EngineError(
        'migration-load',
        `Migration ${name} cannot be loaded: ${firstLine(err, file)} (${where}). ${NOTHING_WRITTEN}`,
        `Fix the file and run the command again${/\.c?js$/i.test(file) && /SyntaxError|Transform failed/.test(firstLine(err, file)) ? ` ('node --check ${file}' shows the syntax error)` : ''}.`,
        { cause: err },
      );
    }
    const exported = (loaded ?? {}) as { up?: unknown; down?: unknown };
    const missing = (['up', 'down'] as const).filter((fn) => typeof exported[fn] !== 'function');
    if (missing.length > 0) {
      throw new EngineError(
        'migration-load',
        `Migration ${name} (${file}) exports no ${missing.map((fn) => `${fn}()`).join(' and no ')} function, and Knex runs only migrations that export both up and down functions. ${NOTHING_WRITTEN}`,
        "Export both (exports.up = async (knex) => { … }; exports.down = …), with down() undoing up() or throwing if it cannot; an ES module exports them by name ('export async function up'), not in a default export.",
      );
    }
  }
}
