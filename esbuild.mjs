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
  // The server is always minified (the source map is still written outside --production): V8 keeps the whole
  // bundle's source text in its heap, 14 MB unminified, and a single non-ASCII character in a kept comment made it a
  // two-byte string (28 MB). Measured idle (bench/lsp-latency.ts): 120 -> 79 MiB RSS, heap 33 -> 11 MiB
  // (whitespace only: 101 MiB RSS, heap 15 MiB).
  { entryPoints: ['server/src/lsp/main.ts'], outfile: 'dist/server.js', minify: true },
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
