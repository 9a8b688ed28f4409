#!/usr/bin/env node
// `npm run demo`: the main job on the bundled demo workspace (embedded SQLite), in a fresh copy so the
// repository stays clean: lint the migrations, show status, try the safe upgrade (refused: the history
// drops a table), upgrade with explicit consent (backup first), then status and validate again.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const build = spawnSync(process.execPath, [path.join(root, 'esbuild.mjs')], { cwd: root, stdio: 'inherit' });
if (build.status !== 0) process.exit(build.status ?? 1);

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'migration-guard-demo-'));
fs.cpSync(path.join(root, 'examples', 'demo'), work, { recursive: true, filter: (src) => !/\.sqlite3$|\.migration-guard/.test(src) });
const cli = path.join(root, 'dist', 'cli.js');

/** Runs one CLI command, prints it like a terminal session, and checks the exit code we expect. */
function run(title, args, expectedExit) {
  console.log(`\n=== ${title}\n$ migration-guard ${args.join(' ')}`);
  const result = spawnSync(process.execPath, [cli, ...args], { cwd: work, stdio: 'inherit' });
  if (result.status !== expectedExit) {
    console.error(`\ndemo: expected exit code ${expectedExit}, got ${result.status ?? result.signal}`);
    process.exit(1);
  }
}

console.log(`Demo workspace copied to ${work}`);
run('1. Lint the migrations (the last one drops a table: error)', ['check', 'migrations'], 1);
run('2. Status: read-only, nothing applied yet', ['status'], 0);
run('3. Safe upgrade: refused, an error-severity finding needs explicit consent', ['upgrade', '--yes'], 1);
run('4. Upgrade with consent: a backup first, then every pending migration in one batch', ['upgrade', '--yes', '--allow-unsafe'], 0);
run('5. Status after the upgrade', ['status'], 0);
run('6. Validate: migration files, lock, PRAGMA integrity_check', ['validate'], 0);
console.log(`\nDemo finished. Database and backups: ${work}`);
