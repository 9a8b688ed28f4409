/**
 * `restore` killed with SIGKILL at several moments (issue 13): the live SQLite database then holds
 * exactly its old content or exactly the restored one, and passes `PRAGMA integrity_check`; a killed
 * safety backup never looks complete. The CLI runs with MIGRATION_GUARD_DEBUG=1 and is killed when a
 * given step appears on stderr, at once or after a delay (the overwrite of ~24 MB is then under way or
 * done, depending on the machine: each outcome is accepted, never a third one).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { backup, loadProject } from '../../server/src/migrations';
import { listBackups } from '../../server/src/migrations/backups/manifest';
import { repoRoot, sqliteAll, sqliteKnexfile, tempDir, writeFiles } from './helpers';

/** Spawns `restore <name> --yes` with tracing; SIGKILLs it `delayMs` after `step` shows on stderr. Resolves with the stderr. */
function restoreThenKill(cwd: string, name: string, step: string, delayMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join('server', 'src', 'cli', 'main.ts'), 'restore', name, '--yes', '--cwd', cwd], {
      cwd: repoRoot,
      env: { ...process.env, NODE_ENV: undefined, DATABASE_URL: undefined, MIGRATION_GUARD_DEBUG: '1' } as NodeJS.ProcessEnv,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    let armed = false;
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
      if (!armed && stderr.includes(`] ${step}`)) {
        armed = true;
        setTimeout(() => child.kill('SIGKILL'), delayMs);
      }
    });
    child.stdout.resume();
    child.on('error', reject);
    child.on('close', () => resolve(stderr));
  });
}

/** What identifies the content: the marker row and the filler rows' count and total size. */
async function fingerprint(db: string): Promise<string> {
  const [row] = await sqliteAll(db, 'select (select v from marker) as marker, count(*) as n, sum(length(payload)) as bytes from filler');
  return JSON.stringify(row);
}

void describe('restore killed with SIGKILL (SQLite)', () => {
  void it('leaves the live database with exactly the old or the restored content, integrity ok, at every moment tried', async (t) => {
    const { dir, cleanup } = tempDir();
    try {
      writeFiles(dir, { 'knexfile.js': sqliteKnexfile(), 'db/.keep': '' });
      const project = await loadProject({ cwd: dir, processEnv: {} });
      const db = project.sqliteFile as string;
      await sqliteAll(db, 'create table marker (v text)');
      await sqliteAll(db, "insert into marker values ('backup')");
      await sqliteAll(db, 'create table filler (id integer primary key, payload blob)');
      await sqliteAll(db, 'with recursive c(x) as (select 1 union all select x + 1 from c where x < 6000) insert into filler (payload) select randomblob(4000) from c');
      const { backup: b } = await backup(project, { label: 'target' });
      const restored = await fingerprint(db);
      await sqliteAll(db, "update marker set v = 'live'");
      await sqliteAll(db, 'delete from filler where id % 3 = 0');
      await sqliteAll(db, 'with recursive c(x) as (select 1 union all select x + 1 from c where x < 500) insert into filler (payload) select randomblob(3000) from c');
      const old = await fingerprint(db);
      assert.notEqual(old, restored);

      const moments: Array<[string, number]> = [
        ['restore: exclusive lock taken', 0],
        ['backup: copied', 0],
        ['restore: safety backup done', 0],
        ['restore: safety backup done', 40],
        ['restore: safety backup done', 150],
        ['restore: backup copied into the live database', 0],
      ];
      const seen: string[] = [];
      for (const [step, delay] of moments) {
        const stderr = await restoreThenKill(dir, b.name as string, step, delay);
        const hotJournal = existsSync(`${db}-journal`);
        assert.match(stderr, new RegExp(`\\] ${step}`), `the restore reached "${step}":\n${stderr}`);
        assert.deepEqual(await sqliteAll(db, 'pragma integrity_check'), [{ integrity_check: 'ok' }], `integrity after a kill ${delay} ms after "${step}"`);
        const now = await fingerprint(db);
        assert.ok(now === old || now === restored, `after a kill ${delay} ms after "${step}": neither the old nor the restored content: ${now}`);
        seen.push(`${step} +${delay} ms: ${now === old ? 'old' : 'restored'}${hotJournal ? ' (a -journal file was left)' : ''}`);
        if (now === restored) {
          // Back to the old content for the next moment (the safety backup of that run holds it).
          const safety = (await listBackups(path.dirname(b.path))).filter((x) => x.kind === 'pre-restore' && x.complete);
          assert.ok(safety.length > 0, 'a restore that changed the database had written its safety backup first');
          const back = await restoreThenKill(dir, safety[0]?.name as string, 'no such step', 0);
          assert.equal(await fingerprint(db), old, back);
        }
      }
      // Every complete backup left behind holds one of the two contents, intact.
      for (const x of (await listBackups(path.dirname(b.path))).filter((e) => e.complete)) {
        assert.deepEqual(await sqliteAll(x.path, 'pragma integrity_check'), [{ integrity_check: 'ok' }], x.name);
        assert.ok([old, restored].includes(await fingerprint(x.path)), x.name);
      }
      assert.equal(seen.length, moments.length);
      t.diagnostic(seen.join('; '));
    } finally {
      cleanup();
    }
  });
});
