/**
 * What running a project's code leaves in this process for good, which a process serving several commands (the
 * extension's engine host, cli/engine-host.ts) must not pass on to the next one:
 * - an ES module of the project (a knexfile or migration, `import()`ed here): Node keeps every ES module it imported
 *   until the process ends (there is no cache to drop, unlike `require.cache`), so a later command would see the
 *   old module, or the old version of a module the file imports;
 * - a TypeScript loader (tsx, ts-node) registered from the project's `node_modules`: it would load another project's
 *   TypeScript knexfile too, where the CLI would have used that project's own loader or refused.
 * {@link projectStateLeft} tells whether either happened.
 */

let left = 0;

/** `import(url)` of a module of the project, counted. The computed specifier keeps bundlers from rewriting it. */
export function importProjectModule(url: string): Promise<unknown> {
  left++;
  return import(url) as Promise<unknown>;
}

/** Records that a TypeScript loader of the project was registered in this process. */
export function noteProjectLoaderRegistered(): void {
  left++;
}

/** Whether this process has imported an ES module of a project or registered a project's TypeScript loader. */
export function projectStateLeft(): boolean {
  return left > 0;
}
