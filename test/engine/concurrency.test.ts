/**
 * Two upgrades started at once (two CLI processes) on the same SQLite file and on the same
 * PostgreSQL database: exactly one applies, the other reports `lock-held`. `unlock` refuses while a
 * migration is running and frees a stuck lock afterwards.
 *
 * No sleeps: the first migration is a barrier. It writes `started` and waits (fs.watch) for `release`,
 * which the test creates only after the other process has exited; so both overlap for certain.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, watch, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { getStatus, markApplied, unlock, unmark } from '../../server/src/migrations';
import type { ErrorResult, UnlockResult, UpgradeResult } from '../../server/src/protocol';
import { createTableMigration, pgSkip, runCli, startCli } from './helpers';
import { pgProject, sqliteProject, type TestProject } from './movements-helpers';

const barrier = `const fs = require('node:fs');
const path = require('node:path');
function released(file) {
  return new Promise((resolve) => {
    const w = fs.watch(path.dirname(file), () => { if (fs.existsSync(file)) { w.close(); resolve(); } });
    if (fs.existsSync(file)) { w.close(); resolve(); }
  });
}
exports.up = async (knex) => {
  const dir = process.env.MG_BARRIER_DIR;
  if (dir) {
    fs.writeFileSync(path.join(dir, 'started-' + process.pid), '');
    await released(path.join(dir, 'release'));
  }
  await knex.schema.createTable('slow', (t) => { t.increments('id'); });
};
exports.down = (knex) => knex.schema.dropTable('slow');
`;

const files = { '001_slow.js': barrier, '002_a.js': createTableMigration('a') };

/** Resolves when a file whose name starts with `prefix` appears in `dir`. */
function appears(dir: string, prefix: string): Promise<string> {
  return new Promise((resolve) => {
    const check = () => {
      const hit = readdirSync(dir).find((n) => n.startsWith(prefix));
      if (hit) {
        w.close();
        resolve(hit);
      }
    };
    const w = watch(dir, check);
    check();
  });
}

/**
 * The database and Knex's tables exist before the race, as in production (created here by a
 * mark-applied / unmark round trip). On a brand-new database both processes would race on Knex's own
 * CREATE TABLE knex_migrations, which runs before Knex takes its lock.
 */
async function prepare(tp: TestProject): Promise<void> {
  const p = await tp.load();
  await markApplied(p, '002_a.js');
  await unmark(p, '002_a.js');
}

async function race(tp: TestProject): Promise<void> {
  const barrierDir = path.join(tp.dir, 'barrier');
  mkdirSync(barrierDir);
  const args = ['upgrade', '--yes', '--no-backup', '--json', '--cwd', tp.dir];
  const env = { MG_BARRIER_DIR: barrierDir };
  // Both start at once; whichever takes Knex's lock runs the barrier migration and waits.
  const a = startCli(args, env);
  const b = startCli(args, env);
  const started = await appears(barrierDir, 'started-');
  const winnerPid = Number(started.replace('started-', ''));
  const [winner, loser] = winnerPid === a.pid ? [a, b] : [b, a];
  const lost = await loser.done;
  assert.equal(lost.code, 1, `loser: ${lost.stdout}${lost.stderr}`);
  const err = JSON.parse(lost.stdout) as ErrorResult;
  assert.equal(err.error.code, 'lock-held', err.error.message);

  // While the winner runs: unlock refuses (it checked that a migration is running).
  const un = await runCli(['unlock', '--json', '--cwd', tp.dir]);
  assert.equal(un.code, 1, un.stderr);
  const ue = JSON.parse(un.stdout) as ErrorResult;
  assert.equal(ue.error.code, 'lock-held');
  assert.match(ue.error.message, /A migration is running/);

  writeFileSync(path.join(barrierDir, 'release'), '');
  const won = await winner.done;
  assert.equal(won.code, 0, won.stderr);
  assert.deepEqual((JSON.parse(won.stdout) as UpgradeResult).applied, ['001_slow.js', '002_a.js']);
  assert.deepEqual((await tp.query('select name from knex_migrations order by id')).map((r) => r.name), ['001_slow.js', '002_a.js'], 'each applied exactly once');
  assert.equal(existsSync(path.join(barrierDir, `started-${loser.pid}`)), false, 'the loser never ran a migration');
  const project = await tp.load();
  assert.equal((await getStatus(project)).lock.held, false);

  // A stuck lock (a crash) is freed by unlock, which says what it checked.
  await tp.query('update knex_migrations_lock set is_locked = 1');
  assert.equal((await getStatus(project)).lock.held, true);
  const freed = await runCli(['unlock', '--json', '--cwd', tp.dir]);
  assert.equal(freed.code, 0, freed.stderr);
  const r = JSON.parse(freed.stdout) as UnlockResult;
  assert.deepEqual([r.wasHeld, r.freed], [true, true]);
  assert.match(r.checked[0] ?? '', tp.kind === 'pg' ? /NOWAIT/ : /BEGIN IMMEDIATE/);
  assert.equal((await getStatus(project)).lock.held, false);
  assert.deepEqual(await unlock(project), { wasHeld: false, freed: false, checked: r.checked });
}

void describe('two upgrades at once', () => {
  void it('SQLite: exactly one applies, the other reports lock-held; unlock refuses while it runs', async () => {
    const tp = sqliteProject(files);
    try {
      await prepare(tp);
      await race(tp);
    } finally {
      await tp.cleanup();
    }
  });

  void it('PostgreSQL: exactly one applies, the other reports lock-held; unlock refuses while it runs', { skip: pgSkip('PostgreSQL concurrency test') }, async () => {
    const tp = await pgProject(files);
    try {
      await prepare(tp);
      await race(tp);
    } finally {
      await tp.cleanup();
    }
  });
});
