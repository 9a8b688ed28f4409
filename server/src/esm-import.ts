/**
 * `import(specifier)` that also works inside the CLI's bundles loaded from a V8 code cache
 * (startup/code-cache.ts): in Node 20, a function deserialized from a code cache loses the script's
 * dynamic-import callback, and its `import()` throws "A dynamic import callback was not specified"
 * (checked with Node 20.20: the first, cache-writing run works, every later run failed). The programs that
 * load bundles through the cache (dist/cli.js) install an importer compiled normally
 * by Node; everywhere else (the language server, sources under tsx) the native `import()` is used.
 */
const HOST_IMPORT = Symbol.for('migration-guard.host-import');

type Importer = (specifier: string) => Promise<unknown>;

/** Installs the importer {@link importModule} uses in this thread: `(s) => import(s)` written in a module Node compiled itself. */
export function installHostImport(importer: Importer): void {
  (globalThis as Record<symbol, unknown>)[HOST_IMPORT] = importer;
}

/**
 * `import(specifier)` (a package name or a `file:` URL) through the installed importer, else natively.
 * Bare specifiers resolve from the installer's file (the dist/ folder in the CLI) or from this module.
 * @throws whatever `import()` throws (module not found, syntax error in the module).
 */
export function importModule<T = unknown>(specifier: string): Promise<T> {
  const host = (globalThis as Record<symbol, unknown>)[HOST_IMPORT] as Importer | undefined;
  return (host ? host(specifier) : import(/* @vite-ignore */ specifier)) as Promise<T>;
}
