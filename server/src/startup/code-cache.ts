/**
 * Loads a CommonJS bundle with a V8 code cache, so that a command does not recompile it at every start. Used for
 * the TypeScript compiler (dist/typescript.js, 3.6 MB minified), which the CLI needs to read Knex migrations:
 * bench/plumbing.ts measured the cache saving >= 10% there and nowhere else (the engine and analyzer bundles are
 * small enough to compile).
 *
 * Node 22 has `module.enableCompileCache()`, but the CLI also runs under Node 20 and under VS Code's
 * Electron. This uses the mechanism that API is built on: `vm.Script` with `cachedData`, the cache being
 * produced with `script.createCachedData()` after the command ran, so it also holds the functions V8
 * compiled lazily during the run. V8 checks the source hash and its own version and flags, and rejects a stale
 * cache (`cachedDataRejected`): the bundle is then compiled normally and the cache rewritten. Any failure falls
 * back to a plain `require()`. A bundle loaded this way must not use `import()` (Node 20 loses the dynamic import
 * callback of code deserialized from a cache); the TypeScript compiler does not.
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

/** The cache folder, or null when disabled. */
export function codeCacheDirectory(env: NodeJS.ProcessEnv = process.env): string | null {
  return cacheFolder(env.MIGRATION_GUARD_CODE_CACHE, 'migration-guard-code-cache');
}

interface PendingWrite {
  script: vm.Script;
  file: string;
  /** Older caches of the same bundle (another build, another Node) start with it: they are removed. */
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
 * `require(file)` for a CommonJS bundle, compiled with its code cache. Returns the module's `exports`. With the
 * cache disabled, or its folder not private, a plain `require()`.
 * @throws whatever the module itself throws while it initialises (as `require` would).
 */
export function requireWithCodeCache(file: string): unknown {
  const dir = codeCacheDirectory();
  const plainRequire = createRequire(file);
  if (!dir || !isPrivateFolder(dir)) return plainRequire(file);
  let script: vm.Script;
  let cacheFile: string;
  let prefix: string;
  let hadCache: boolean;
  try {
    const source = readFileSync(file, 'utf8');
    const st = statSync(file);
    prefix = `${path.basename(file, '.js')}-`;
    cacheFile = path.join(dir, `${prefix}${process.versions.v8}-${process.arch}-${st.size}-${Math.trunc(st.mtimeMs)}.cache`);
    let cachedData: Buffer | undefined;
    try {
      cachedData = readFileSync(cacheFile);
    } catch {
      cachedData = undefined;
    }
    hadCache = cachedData !== undefined;
    script = new vm.Script(Module.wrap(source), { filename: file, cachedData });
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
