import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { main, type CliIo } from '../../server/src/cli/main';
import type { UpgradeResult } from '../../server/src/protocol';
import { createTableMigration, sqliteKnexfile, sqliteTables, tempDir, writeFiles } from './helpers';

function io(answer: string, cwd: string): { io: Partial<CliIo>; out: string[]; err: string[]; questions: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  const questions: string[] = [];
  return {
    out,
    err,
    questions,
    io: {
      cwd,
      isTTY: true,
      stdout: (t) => void out.push(t),
      stderr: (t) => void err.push(t),
      ask: async (q) => {
        questions.push(q);
        return answer;
      },
    },
  };
}

void describe('CLI upgrade prompt (in-process main(), TTY)', () => {
  void it('asks y/N: "n" applies nothing (exit 1), "y" applies (exit 0)', async () => {
    const { dir, cleanup } = tempDir();
    try {
      writeFiles(dir, { 'knexfile.js': sqliteKnexfile(), 'db/migrations/001_a.js': createTableMigration('a') });
      const no = io('n', dir);
      assert.equal(await main(['upgrade'], no.io), 1);
      assert.equal(no.questions.length, 1);
      assert.match(no.questions[0] ?? '', /Apply 1 migration to .*app\.sqlite3\? \[y\/N\]/);
      assert.match(no.err.join(''), /Pending \(1\):\n {2}001_a\.js/);
      assert.match(no.err.join(''), /cancelled/i);
      assert.deepEqual(await sqliteTables(path.join(dir, 'db', 'app.sqlite3')).catch(() => []), []);

      const yes = io('y', dir);
      assert.equal(await main(['upgrade', '--json'], yes.io), 0);
      const result = JSON.parse(yes.out.join('')) as UpgradeResult;
      assert.deepEqual(result.applied, ['001_a.js']);
      assert.ok((await sqliteTables(path.join(dir, 'db', 'app.sqlite3'))).includes('a'));
    } finally {
      cleanup();
    }
  });

  void it('a migration with config.transaction = false that fails is reported honestly', async () => {
    const { dir, cleanup } = tempDir();
    try {
      writeFiles(dir, {
        'knexfile.js': sqliteKnexfile(),
        'db/migrations/001_a.js': createTableMigration('a'),
        'db/migrations/002_half.js': `exports.config = { transaction: false };
exports.up = async (knex) => { await knex.schema.createTable('half', (t) => { t.increments(); }); throw new Error('half done'); };
exports.down = async () => {};
`,
      });
      const run = io('y', dir);
      assert.equal(await main(['upgrade', '--yes', '--json'], run.io), 1);
      const e = JSON.parse(run.out.join('')) as { error: { code: string; message: string } };
      assert.equal(e.error.code, 'migration-failed');
      assert.match(e.error.message, /Migration 002_half\.js failed: half done/);
      assert.match(e.error.message, /committed and stay applied: 001_a\.js/);
      assert.match(e.error.message, /without a transaction, so part of its changes may remain/);
      assert.ok((await sqliteTables(path.join(dir, 'db', 'app.sqlite3'))).includes('half'), 'with transaction: false, Knex 3.3.0 runs the migration outside a transaction: its DDL before the failure stays');
    } finally {
      cleanup();
    }
  });
});
