#!/usr/bin/env node
// `npm test`: type-check, lint, build, then every test (unit, LSP, engine on real SQLite and PostgreSQL,
// end-to-end in a real VS Code) in ONE `node --test` run, so the closing summary counts them all.
// PostgreSQL: uses MG_TEST_PG_URL when set, else starts a throwaway cluster (scripts/pg-cluster.sh).
// End-to-end: needs Chromium and the code-server environment (test/e2e/install-e2e-env.sh, run here if missing).
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
process.chdir(root);
const ci = process.env.CI === 'true' || process.env.CI === '1';
const only = process.argv.slice(2); // optional: test files or folders to run instead of all

/** What a run leaves to undo (the throwaway cluster, the lint cache): undone on every way out, failures included. */
const cleanups = [];
function cleanUp() {
  while (cleanups.length > 0) {
    try {
      cleanups.pop()();
    } catch (err) {
      console.error(`cleanup: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
}
/** Ends the run with `code` after undoing what it set up (a set-up step that fails must not leave a postgres behind). */
function finish(code) {
  cleanUp();
  process.exit(code);
}
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => finish(130));

function step(title, command, args, options = {}) {
  const started = Date.now();
  console.log(`\n▶ ${title}`);
  const result = spawnSync(command, args, { stdio: 'inherit', ...options });
  if (result.status !== 0) {
    console.error(`✖ ${title} failed (exit ${result.status ?? result.signal})`);
    finish(result.status || 1);
  }
  console.log(`✔ ${title} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
}

function listTests(dir) {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { recursive: true })
    .map((f) => path.join(dir, String(f)))
    .filter((f) => /\.test\.ts$/.test(f) && !f.includes(`${path.sep}fixtures${path.sep}`))
    .sort();
}

function freePort() {
  return new Promise((resolve) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

const npx = (bin) => path.join(root, 'node_modules', '.bin', bin);

if (only.length === 0) {
  step('type-check (tsc -b)', npx('tsc'), ['-b']);
  step('lint (eslint)', npx('eslint'), ['.', '--max-warnings', '0']);
}
step('build (esbuild)', process.execPath, ['esbuild.mjs']);

const env = { ...process.env };
// Every run starts with an empty lint cache of its own (the CLI's upgrade reuses lint results: lint-cache.ts).
const lintCacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mg-lint-cache-'));
cleanups.push(() => fs.rmSync(lintCacheDir, { recursive: true, force: true }));
env.MIGRATION_GUARD_LINT_CACHE ??= lintCacheDir;
if (!env.MG_TEST_PG_URL) {
  const hasServer = fs.existsSync('/usr/lib/postgresql') && fs.readdirSync('/usr/lib/postgresql').length > 0;
  if (hasServer) {
    const pgDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mg-pg-'));
    cleanups.push(() => {
      spawnSync('bash', ['scripts/pg-cluster.sh', 'stop', pgDir], { stdio: 'inherit' });
      fs.rmSync(pgDir, { recursive: true, force: true });
    });
    const port = await freePort();
    console.log(`\n▶ starting a throwaway PostgreSQL cluster on 127.0.0.1:${port} (${pgDir})`);
    try {
      env.MG_TEST_PG_URL = execFileSync('bash', ['scripts/pg-cluster.sh', 'start', pgDir, String(port)], { encoding: 'utf8' }).trim();
    } catch (err) {
      console.error(`✖ starting PostgreSQL failed: ${err instanceof Error ? err.message : String(err)}`);
      finish(1);
    }
  } else if (ci) {
    console.error('PostgreSQL server not installed: apt-get install -y postgresql (the .ci/run script does this).');
    finish(2);
  } else {
    console.warn('PostgreSQL server not installed: PostgreSQL engine tests will be skipped (apt-get install -y postgresql).');
  }
}

const e2eDir = env.E2E_DIR || path.join(process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'migration-guard-e2e');
env.E2E_DIR = e2eDir;
const runE2E = only.length === 0 || only.some((o) => o.includes('e2e'));
if (runE2E) {
  if (!fs.existsSync('/usr/bin/chromium')) {
    console.error('End-to-end tests need Debian Chromium: apt-get install -y chromium libkrb5-dev (the .ci/run script does this).');
    finish(2);
  }
  step('end-to-end environment (code-server, Node 24, playwright-core)', 'bash', ['test/e2e/install-e2e-env.sh'], { env });
  step('package the extension (npm run package)', 'npm', ['run', '--silent', 'package'], { env });
  // test/engine/package.test.ts checks this .vsix instead of packaging again.
  env.MG_PACKAGED_VSIX = path.join(root, 'dist', 'migration-guard.vsix');
}

const files = only.length
  ? only.flatMap((o) => (fs.existsSync(o) && fs.statSync(o).isDirectory() ? listTests(o) : [o]))
  : [...listTests('test/unit'), ...listTests('test/lsp'), ...listTests('test/engine'), ...listTests('test/e2e')];

let status = 1;
try {
  const result = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-reporter=spec', '--test-concurrency=1', '--test-timeout=600000', ...files], { stdio: 'inherit', env });
  status = result.status ?? 1;
} finally {
  cleanUp();
}
process.exit(status);
