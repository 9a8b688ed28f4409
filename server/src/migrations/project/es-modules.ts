/**
 * The one place the engine `import()`s the project's code (ES module knexfiles and migrations). Node keeps every ES
 * module it imported until the process ends (no cache to drop, unlike `require.cache`), so a process that serves
 * several commands (the extension's engine host) must not serve another one after it imported any: it would see the
 * old module, or the old version of a module the file imports. {@link projectModuleImports} tells it.
 */

let imports = 0;

/** `import(url)` of a module of the project, counted. The computed specifier keeps bundlers from rewriting it. */
export function importProjectModule(url: string): Promise<unknown> {
  imports++;
  return import(url) as Promise<unknown>;
}

/** How many ES modules of the project this process has imported (0: every module it ran can be loaded afresh). */
export function projectModuleImports(): number {
  return imports;
}
