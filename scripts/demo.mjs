#!/usr/bin/env node
// `npm run demo`: the main job on the bundled demo workspace (embedded SQLite), in a fresh copy so the
// repository stays clean. It plays a realistic day: the database already runs the first three migrations
// and holds rows; three new migrations arrive (the last drops a table). Then: lint, status, the safe
// upgrade (refused: a table with rows would be dropped), the upgrade with explicit consent (backup
// first), status and validate again.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createRequire } from 'node:module';

const root = path.resolve(import.meta.dirname, '..');
const build = spawnSync(process.execPath, [path.join(root, 'esbuild.mjs')], { cwd: root, stdio: 'inherit' });
if (build.status !== 0) process.exit(build.status ?? 1);

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'migration-guard-demo-'));
fs.cpSync(path.join(root, 'examples', 'demo'), work, { recursive: true, filter: (src) => !/\.sqlite3$|\.migration-guard/.test(src) });
const cli = path.join(root, 'dist', 'cli.js');
const sqlite3 = createRequire(path.join(root, 'package.json'))('sqlite3');

/** Runs SQL statements on the demo database (the application writing its data). */
function exec(sql) {
  return new Promise((resolve, reject) => {
    const db = new sqlite3.Database(path.join(work, 'dev.sqlite3'));
    db.exec(sql, (error) => db.close(() => (error ? reject(error) : resolve())));
  });
}

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

// The database as it is in production: the first three migrations applied, rows written by the app.
const migrations = fs.readdirSync(path.join(work, 'migrations')).sort();
const incoming = path.join(work, 'incoming');
fs.mkdirSync(incoming);
for (const name of migrations.slice(3)) fs.renameSync(path.join(work, 'migrations', name), path.join(incoming, name));
run('0. Set-up: the database already runs the first three migrations', ['upgrade', '--yes'], 0);
await exec(`
  INSERT INTO users (email, name) VALUES ('ada@example.com', 'Ada'), ('linus@example.com', 'Linus'), ('grace@example.com', 'Grace');
  INSERT INTO orders (user_id, total_cents, status) VALUES (1, 1999, 'paid'), (2, 4500, 'new'), (1, 250, 'shipped');
  INSERT INTO legacy_sessions (sid, user_id, data) VALUES ('s1', 1, '{}'), ('s2', 2, '{}'), ('s3', 3, '{}');
`);
for (const name of fs.readdirSync(incoming)) fs.renameSync(path.join(incoming, name), path.join(work, 'migrations', name));
fs.rmdirSync(incoming);
console.log('\n(The app wrote 3 users, 3 orders and 3 sessions; the team then pulled three new migrations.)');

run('1. Lint the migrations (the last one drops a table: error)', ['check', 'migrations'], 1);
run('2. Status: read-only; three applied, three pending', ['status'], 0);
run('3. Safe upgrade: refused, an error-severity finding needs explicit consent', ['upgrade', '--yes'], 1);
run('4. Upgrade with consent: a backup first, then the pending migrations in one batch', ['upgrade', '--yes', '--allow-unsafe'], 0);
run('5. Status after the upgrade', ['status'], 0);
run('6. Validate: migration files, lock, PRAGMA integrity_check', ['validate'], 0);
console.log(`\nDemo finished. Database and backups: ${work}`);
