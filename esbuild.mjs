// One build for the three entry points: the extension client, the language server and the CLI.
// Native (sqlite3) and WASM-carrying (libpg-query) packages, and knex with its dynamic dialect
// requires, stay external and ship in node_modules; everything else is bundled.
import * as esbuild from 'esbuild';

const watch = process.argv.includes('--watch');
const production = process.argv.includes('--production');

const external = ['vscode', 'knex', 'sqlite3', 'pg', 'pg-native', 'libpg-query', 'web-tree-sitter', 'tree-sitter-python'];

/** @type {esbuild.BuildOptions} */
const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: !production,
  minify: production,
  external,
  logLevel: 'warning',
};

const entries = [
  { entryPoints: ['client/src/extension.ts'], outfile: 'dist/client.js' },
  { entryPoints: ['server/src/lsp/main.ts'], outfile: 'dist/server.js' },
  { entryPoints: ['server/src/cli/main.ts'], outfile: 'dist/cli.js' },
];

if (watch) {
  for (const entry of entries) {
    const ctx = await esbuild.context({ ...common, ...entry });
    await ctx.watch();
  }
  console.log('esbuild: watching');
} else {
  await Promise.all(entries.map((entry) => esbuild.build({ ...common, ...entry })));
  console.log(`esbuild: built ${entries.map((e) => e.outfile).join(', ')}`);
}
