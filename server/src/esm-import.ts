/**
 * `import(specifier)` as Node's own dynamic import, for ESM-only packages (web-tree-sitter) and `.mjs`/`file:` URLs
 * (knexfiles, migrations). A literal `import('pkg')` in a CommonJS bundle is turned into `require()` by esbuild; a
 * specifier passed through this function is not, so the bundles and the sources under tsx import alike.
 * @throws whatever `import()` throws (module not found, syntax error in the module).
 */
export function importModule<T = unknown>(specifier: string): Promise<T> {
  return import(/* @vite-ignore */ specifier) as Promise<T>;
}
