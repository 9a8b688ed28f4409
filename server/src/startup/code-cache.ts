/**
 * Loads the CLI's CommonJS bundles with a V8 code cache, so that a command does not recompile megabytes
 * of JavaScript at every start (the engine bundle and the analyzer bundle, which carries the TypeScript
 * compiler used to read Knex migrations, are ~1–4 MB each; compiling them cost ~0.25–0.45 s a run).
 *
 * Node 22 has `module.enableCompileCache()`, but the CLI also runs under Node 20 and under VS Code's
 * Electron. This uses the mechanism that API is built on: `vm.Script` with `cachedData`, the cache being
 * produced with `script.createCachedData()` after the command ran, so it also holds the functions V8
 * compiled lazily during the run. One cache per bundle and per tag (the CLI command: `status` and
 * `upgrade` compile different functions). V8 checks the source hash and its own version and flags,
 * and rejects a stale cache (`cachedDataRejected`): the bundle is then compiled normally and the cache
 * rewritten. Any failure falls back to a plain `require()`.
 *
 * Cache folder: `$MIGRATION_GUARD_CODE_CACHE`, else `<os.tmpdir()>/migration-guard-code-cache-<uid>`;
 * `MIGRATION_GUARD_CODE_CACHE=off` disables it. The files hold compiled code only, no data. A folder not
 * owned by this user, or writable by others, is never used (a planted cache would be run as is).
 */
import { readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import Module, { createRequire } from 'node:module';
import path from 'node:path';
import vm from 'node:vm';
import { cacheFolder, isPrivateFolder, writePrivateFile } from './private-folder';

/** The tag of this process's caches (set by the launcher); shared across bundles through globalThis. */
const TAG = Symbol.for('migration-guard.code-cache-tag');

/** Sets the tag of the caches this process writes from now on (e.g. the CLI command). Letters, digits and `-` only. */
export function setCodeCacheTag(tag: string): void {
  (globalThis as Record<symbol, unknown>)[TAG] = /^[a-z0-9-]{1,40}$/i.test(tag) ? tag : 'other';
}

function currentTag(): string {
  const t = (globalThis as Record<symbol, unknown>)[TAG];
  return typeof t === 'string' ? t : 'other';
}

/** The cache folder, or null when disabled. */
export function codeCacheDirectory(env: NodeJS.ProcessEnv = process.env): string | null {
  return cacheFolder(env.MIGRATION_GUARD_CODE_CACHE, 'migration-guard-code-cache');
}

interface PendingWrite {
  script: vm.Script;
  file: string;
  /** Older caches of the same bundle and tag (another build, another Node) start with it: they are removed. */
  prefix: string;
}

const pendingWrites: PendingWrite[] = [];
let exitHookInstalled = false;

/**
 * Writes the caches of the bundles loaded without a usable cache (synchronously; each
 * file written whole, then renamed into place, so a reader never sees half a cache). Idempotent; errors
 * are ignored (a read-only or full disk only costs the next run its speed). Called on process exit.
 */
export function flushCodeCaches(): void {
  for (const w of pendingWrites.splice(0)) {
    try {
      writePrivateFile(w.file, w.script.createCachedData());
      for (const old of readdirSync(path.dirname(w.file))) {
        if (old.startsWith(w.prefix) && old.endsWith('.cache') && old !== path.basename(w.file)) rmSync(path.join(path.dirname(w.file), old), { force: true });
      }
    } catch {
      // best effort
    }
  }
}

/**
 * `require(file)` for a CommonJS bundle, compiled with the code cache of (file, tag). Returns the
 * module's `exports`. Without `vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER` (Node ≥ 20.12 / 21.7; it gives
 * `import()` a loader while the bundle is compiled from source) or with the cache disabled, a plain
 * `require()`. Code deserialized from a cache loses that loader in Node 20, so the bundles' own `import()`
 * calls go through esm-import.ts.
 * @throws whatever the module itself throws while it initialises (as `require` would).
 */
export function requireWithCodeCache(file: string): unknown {
  const dir = codeCacheDirectory();
  const loader = (vm.constants as unknown as { USE_MAIN_CONTEXT_DEFAULT_LOADER?: symbol } | undefined)?.USE_MAIN_CONTEXT_DEFAULT_LOADER;
  const plainRequire = createRequire(file);
  if (!dir || !loader || !isPrivateFolder(dir)) return plainRequire(file);
  let script: vm.Script;
  let cacheFile: string;
  let prefix: string;
  let hadCache: boolean;
  try {
    const source = readFileSync(file, 'utf8');
    const st = statSync(file);
    prefix = `${path.basename(file, '.js')}-${currentTag()}-`;
    cacheFile = path.join(dir, `${prefix}${process.versions.v8}-${process.arch}-${st.size}-${Math.trunc(st.mtimeMs)}.cache`);
    let cachedData: Buffer | undefined;
    try {
      cachedData = readFileSync(cacheFile);
    } catch {
      cachedData = undefined;
    }
    hadCache = cachedData !== undefined;
    script = new vm.Script(Module.wrap(source), { filename: file, cachedData, importModuleDynamically: loader as never });
  } catch {
    return plainRequire(file);
  }
  if (!hadCache || script.cachedDataRejected === true) {
    pendingWrites.push({ script, file: cacheFile, prefix });
    if (!exitHookInstalled) {
      exitHookInstalled = true;
      process.once('exit', flushCodeCaches);
    }
  }
  const mod = new Module(file, module);
  mod.filename = file;
  plainRequire.cache[file] = mod;
  mod.paths = (Module as unknown as { _nodeModulePaths(dir: string): string[] })._nodeModulePaths(path.dirname(file));
  const wrapper = script.runInThisContext() as (exports: unknown, require: NodeJS.Require, module: Module, filename: string, dirname: string) => void;
  wrapper.call(mod.exports, mod.exports, plainRequire, mod, file, path.dirname(file));
  mod.loaded = true;
  return mod.exports;
}
