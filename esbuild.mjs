// One build for the three entry points: the extension client, the language server and the CLI.
// Native (sqlite3) and WASM-carrying (libpg-query) packages, and knex with its dynamic dialect
// requires, stay external and ship in node_modules; everything else is bundled.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
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

// The CLI bundle loads the analyzer (dist/lint.js) at run time, through server/src/startup/lint-bundle.ts: only
// commands that lint load it, and its hash is the analyzer build the lint cache keys results by.
const lintIndex = path.resolve('server/src/lint/index.ts');
/** @type {esbuild.Plugin} */
const analyzerAsSeparateBundle = {
  name: 'analyzer-as-separate-bundle',
  setup(build) {
    build.onResolve({ filter: /(^|\/)lint(\/index)?$/ }, async (args) => {
      if (args.pluginData === 'resolving') return undefined;
      const r = await build.resolve(args.path, { kind: args.kind, resolveDir: args.resolveDir, pluginData: 'resolving' });
      return r.path === lintIndex ? { path: path.resolve('server/src/startup/lint-bundle.ts') } : undefined;
    });
  },
};

// The front ends a file may not need are bundles of their own, read only when a file needs them: the TypeScript
// compiler (3.6 MB minified; JavaScript/TypeScript migrations) and sql-parser-cst (0.7 MB; SQLite SQL). The analyzer
// requires both on first use (server/src/lint/index.ts); in the bundles that carry the analyzer the import becomes a
// require() of dist/<name>.js. In the CLI the TypeScript compiler is loaded through the V8 code cache
// (server/src/startup/code-cache.ts), the one place bench/plumbing.ts shows it pays.
const separateFrontEnds = ['typescript', 'sql-parser-cst'];
/** @param {'cli' | 'server'} program @returns {esbuild.Plugin} */
const frontEndsAsSeparateBundles = (program) => ({
  name: 'front-ends-as-separate-bundles',
  setup(build) {
    build.onResolve({ filter: new RegExp(`^(${separateFrontEnds.join('|')})$`) }, (args) => ({ path: args.path, namespace: 'front-end' }));
    build.onLoad({ filter: /.*/, namespace: 'front-end' }, (args) => {
      const file = `require('node:path').join(__dirname, ${JSON.stringify(`${args.path}.js`)})`;
      const cached = program === 'cli' && args.path === 'typescript';
      return { resolveDir: path.resolve('server/src/startup'), loader: 'js', contents: cached ? `module.exports = require('./code-cache').requireWithCodeCache(${file});` : `module.exports = require(${file});` };
    });
  },
});

// commander requires node:child_process at load (for subcommands run as executables, which this CLI has none of);
// loading it, and the net/dgram modules it pulls in, cost every `check` about 10 ms CPU and 1.8 MB RSS. In the CLI
// bundles commander gets a stand-in that requires it on first use.
/** @type {esbuild.Plugin} */
const lazyChildProcessForCommander = {
  name: 'lazy-child-process-for-commander',
  setup(build) {
    build.onResolve({ filter: /^(node:)?child_process$/ }, (args) => (/[\\/]node_modules[\\/]commander[\\/]/.test(args.importer) ? { path: 'child_process', namespace: 'lazy-builtin' } : undefined));
    build.onLoad({ filter: /.*/, namespace: 'lazy-builtin' }, () => ({
      loader: 'js',
      contents: "module.exports = new Proxy({}, { get: (_target, key) => require('node:child_process')[key] });",
    }));
  },
};

const entries = [
  { entryPoints: ['client/src/extension.ts'], outfile: 'dist/client.js' },
  // The server is always minified (the source map is still written outside --production): V8 keeps the whole
  // bundle's source text in its heap, 14 MB unminified, and a single non-ASCII character in a kept comment made it a
  // two-byte string (28 MB). Measured idle (bench/lsp-latency.ts): 120 -> 79 MiB RSS, heap 33 -> 11 MiB
  // (whitespace only: 101 MiB RSS, heap 15 MiB).
  { entryPoints: ['server/src/lsp/main.ts'], outfile: 'dist/server.js', minify: true, plugins: [frontEndsAsSeparateBundles('server')] },
  // The CLI: a small launcher (dist/cli.js) that sets V8 flags and runs the commands and engine (dist/cli-main.js),
  // or for `check` the check command alone (dist/cli-check.js: no engine, no other command); the analyzer
  // (dist/lint.js) is loaded by the commands that lint.
  // Minified like the server: less source to read and hash at every start.
  { entryPoints: ['server/src/startup/launcher.ts'], outfile: 'dist/cli.js', minify: true },
  { entryPoints: ['server/src/cli/main.ts'], outfile: 'dist/cli-main.js', minify: true, plugins: [analyzerAsSeparateBundle, lazyChildProcessForCommander] },
  { entryPoints: ['server/src/cli/check-main.ts'], outfile: 'dist/cli-check.js', minify: true, plugins: [analyzerAsSeparateBundle, lazyChildProcessForCommander] },
  { entryPoints: ['server/src/lint/index.ts'], outfile: 'dist/lint.js', minify: true, plugins: [frontEndsAsSeparateBundles('cli')] },
  ...separateFrontEnds.map((name) => ({ entryPoints: [name], outfile: `dist/${name}.js`, minify: true })),
];

// The lint cache (server/src/startup/lint-cache.ts) keys results by this build of the analyzer: the sha256 of
// dist/lint.js and the versions of the parsers it loads from node_modules or its separate bundles. Built first, then compiled into the
// bundles that read the cache.
const analyzerEntry = entries.find((e) => e.outfile === 'dist/lint.js');
function analyzerBuild() {
  const h = createHash('sha256').update(readFileSync(analyzerEntry.outfile));
  for (const pkg of ['libpg-query', 'web-tree-sitter', 'tree-sitter-python', ...separateFrontEnds]) h.update(`\0${pkg}@${JSON.parse(readFileSync(path.join('node_modules', pkg, 'package.json'), 'utf8')).version}`);
  return h.digest('hex');
}
const readsLintCache = new Set(['dist/cli-main.js']);
const withAnalyzerBuild = (entry, build) => (readsLintCache.has(entry.outfile) ? { ...entry, define: { MIGRATION_GUARD_ANALYZER_BUILD: JSON.stringify(build) } } : entry);

if (watch) {
  // No build id in watch mode: the lint cache is off, as when running from sources.
  for (const entry of entries) {
    const ctx = await esbuild.context({ ...common, ...entry });
    await ctx.watch();
  }
  console.log('esbuild: watching');
} else {
  await esbuild.build({ ...common, ...analyzerEntry });
  const build = analyzerBuild();
  await Promise.all(entries.filter((e) => e !== analyzerEntry).map((entry) => esbuild.build({ ...common, ...withAnalyzerBuild(entry, build) })));
  console.log(`esbuild: built ${entries.map((e) => e.outfile).join(', ')}`);
}
