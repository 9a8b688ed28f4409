/**
 * Backups before anything is written: SQLite through the online backup API of the `sqlite3`
 * driver (consistent even while other connections write), PostgreSQL through `pg_dump -Fc`.
 * Files go to `<projectRoot>/.migration-guard/backups/`, mode 0600.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { chmod, mkdir, open, stat, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import sqlite3 from 'sqlite3';
import type { BackupInfo, BackupResult } from '../protocol';
import type { LoadedProject } from './config';
import { openKnex } from './db';
import { EngineError, errorMessage } from './errors';
import { maskText } from './mask';
import type { OperationOptions } from './status';

/** Options of {@link backup}. */
export interface BackupOptions extends OperationOptions {
  /** Folder for backups; default `<project.root>/.migration-guard/backups`. */
  directory?: string;
  /** `pg_dump` executable; default env `MG_PG_DUMP`, else `pg_dump` from PATH. */
  pgDump?: string;
  /** Clock, for tests; default `new Date()`. */
  now?: Date;
}

/** `backup_YYYYMMDD_HHMMSS` in UTC. */
export function backupBaseName(now: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `backup_${now.getUTCFullYear()}${p(now.getUTCMonth() + 1)}${p(now.getUTCDate())}_${p(now.getUTCHours())}${p(now.getUTCMinutes())}${p(now.getUTCSeconds())}`;
}

/** Lower-case hex sha256 and size of a file. */
export async function hashFile(file: string): Promise<{ bytes: number; sha256: string }> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  const { size } = await stat(file);
  return { bytes: size, sha256: hash.digest('hex') };
}

/**
 * Creates the backup folder (0700, with a `.gitignore` so backups are not committed) and an empty
 * file with mode 0600 named `<base><ext>`, adding `_2`, `_3`, … when the name exists. Returns its path.
 */
async function reserveFile(dir: string, base: string, ext: string): Promise<string> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const gitignore = path.join(path.dirname(dir), '.gitignore');
  if (!existsSync(gitignore)) await writeFile(gitignore, '*\n').catch(() => {});
  for (let i = 1; ; i++) {
    const candidate = path.join(dir, `${base}${i === 1 ? '' : `_${i}`}${ext}`);
    try {
      const fh = await open(candidate, 'wx', 0o600);
      await fh.close();
      await chmod(candidate, 0o600); // the umask may have removed bits; never added any
      return candidate;
    } catch (err) {
      if ((err as { code?: string }).code !== 'EEXIST') throw err;
    }
  }
}

interface SqliteBackupHandle {
  step(pages: number, cb: (err: Error | null) => void): void;
  finish(cb?: (err: Error | null) => void): void;
  completed: boolean;
  failed: boolean;
}

function openSqlite(file: string, mode: number): Promise<sqlite3.Database> {
  return new Promise((resolve, reject) => {
    const db = new sqlite3.Database(file, mode, (err) => (err ? reject(err) : resolve(db)));
  });
}

function closeSqlite(db: sqlite3.Database): Promise<void> {
  return new Promise((resolve) => db.close(() => resolve()));
}

/**
 * Copies an SQLite database into `dest` with the online backup API
 * (`db.backup(dest)` → `step(-1)` → `finish()`), then runs `PRAGMA quick_check` on the copy.
 * @throws EngineError `backup-failed`.
 */
export async function backupSqliteFile(source: string, dest: string): Promise<void> {
  let src: sqlite3.Database | null = null;
  try {
    src = await openSqlite(source, sqlite3.OPEN_READONLY);
    const db = src as unknown as { backup(file: string): SqliteBackupHandle };
    const handle = db.backup(dest);
    await new Promise<void>((resolve, reject) => {
      handle.step(-1, (err) => {
        if (err) {
          handle.finish(() => reject(err));
          return;
        }
        const ok = handle.completed && !handle.failed;
        handle.finish((err2) => (err2 ? reject(err2) : ok ? resolve() : reject(new Error('the backup did not complete'))));
      });
    });
  } catch (err) {
    throw new EngineError('backup-failed', `SQLite backup of ${source} failed: ${errorMessage(err)}`, undefined, { cause: err });
  } finally {
    if (src) await closeSqlite(src);
  }
  const copy = await openSqlite(dest, sqlite3.OPEN_READONLY);
  try {
    const result = await new Promise<string>((resolve, reject) =>
      copy.all('PRAGMA quick_check', (err, rows: Array<Record<string, unknown>>) => (err ? reject(err) : resolve(rows.map((r) => String(Object.values(r)[0])).join('; ')))),
    );
    if (result !== 'ok') throw new EngineError('backup-failed', `The backup ${dest} failed PRAGMA quick_check: ${result}`);
  } finally {
    await closeSqlite(copy);
  }
}

/** Arguments and environment for `pg_dump`, the password only in `PGPASSWORD` (never on the command line). */
export function pgDumpInvocation(connection: unknown, dest: string): { args: string[]; env: Record<string, string> } {
  const args = ['--format=custom', '--no-password', `--file=${dest}`];
  const env: Record<string, string> = {};
  if (typeof connection === 'string' || (connection && typeof connection === 'object' && typeof (connection as { connectionString?: unknown }).connectionString === 'string')) {
    const str = typeof connection === 'string' ? connection : (connection as { connectionString: string }).connectionString;
    let dbname = str;
    try {
      const u = new URL(str);
      if (u.password) env.PGPASSWORD = decodeURIComponent(u.password);
      u.password = '';
      dbname = u.toString();
    } catch {
      const kv = /\bpassword\s*=\s*('(?:[^'\\]|\\.)*'|\S+)/i.exec(str);
      if (kv?.[1]) {
        env.PGPASSWORD = kv[1].replace(/^'|'$/g, '');
        dbname = str.replace(kv[0], '').trim();
      }
    }
    args.push(`--dbname=${dbname}`);
  } else if (connection && typeof connection === 'object') {
    const c = connection as Record<string, unknown>;
    if (c.host != null) args.push(`--host=${String(c.host)}`);
    if (c.port != null) args.push(`--port=${String(c.port)}`);
    const user = c.user ?? c.username;
    if (user != null) args.push(`--username=${String(user)}`);
    if (c.password != null && c.password !== '') env.PGPASSWORD = String(c.password);
    if (c.database != null) args.push(`--dbname=${String(c.database)}`);
  }
  return { args, env };
}

function runPgDump(exe: string, args: string[], env: Record<string, string>): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(exe, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'], shell: false });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    child.on('error', (err) => {
      const missing = (err as { code?: string }).code === 'ENOENT';
      reject(new EngineError('backup-failed', missing ? `pg_dump was not found (${exe}).` : `pg_dump could not start: ${errorMessage(err)}`,
        'Install the PostgreSQL client tools matching the server version, set MG_PG_DUMP to pg_dump\'s path, or pass --no-backup.'));
    });
    child.on('close', (code) => {
      if (code === 0) resolve();
      else {
        const text = maskText(stderr.trim().split('\n').slice(-3).join(' '));
        const hint = /version mismatch/i.test(text)
          ? 'pg_dump must be at least as new as the server: install the matching PostgreSQL client and set MG_PG_DUMP.'
          : 'Check the connection settings and that the user may read every table.';
        reject(new EngineError('backup-failed', `pg_dump failed (exit ${code ?? 'signal'}): ${text}`, hint));
      }
    });
  });
}

/**
 * Backs up the project's database into `<root>/.migration-guard/backups/backup_YYYYMMDD_HHMMSS.sqlite3`
 * (SQLite) or `….dump` (PostgreSQL, `pg_dump -Fc`; restore with `pg_restore`). UTC timestamp,
 * `_2`, `_3`… when the name exists, mode 0600. Returns `{ path, bytes, sha256 }`.
 * @throws EngineError `backup-failed` (no database file, `:memory:`, pg_dump missing or failing),
 *   `usage` for clients other than SQLite and PostgreSQL.
 */
export async function backup(project: LoadedProject, options: BackupOptions = {}): Promise<BackupResult> {
  const dir = options.directory ?? path.join(project.root, '.migration-guard', 'backups');
  const base = backupBaseName(options.now ?? new Date());
  const log = options.log ?? (() => {});
  let dest: string;
  if (project.family === 'sqlite') {
    const source = project.sqliteFile;
    if (!source) throw new EngineError('backup-failed', 'An in-memory SQLite database cannot be backed up.');
    if (!existsSync(source)) throw new EngineError('backup-failed', `The SQLite database ${source} does not exist yet: there is nothing to back up.`);
    dest = await reserveFile(dir, base, '.sqlite3');
    log('info', `Backing up ${source} to ${dest}`);
    try {
      await backupSqliteFile(source, dest);
    } catch (err) {
      await unlink(dest).catch(() => {});
      throw err;
    }
  } else if (project.family === 'postgresql') {
    const exe = options.pgDump ?? process.env.MG_PG_DUMP ?? 'pg_dump';
    // Probe the connection first, so an unreachable server or a wrong password is a `connection`
    // error with its hint rather than pg_dump's stderr.
    await (await openKnex(project, log)).destroy();
    dest = await reserveFile(dir, base, '.dump');
    log('info', `Backing up ${project.info.connection} with ${exe} to ${dest}`);
    const { args, env } = pgDumpInvocation(project.knexConfig.connection, dest);
    try {
      await runPgDump(exe, args, env);
    } catch (err) {
      await unlink(dest).catch(() => {});
      throw err;
    }
  } else {
    throw new EngineError('usage', `Backup is not yet supported for client '${project.client}'.`, 'Back up the database with its own tools, then pass --no-backup.');
  }
  const { bytes, sha256 } = await hashFile(dest);
  const info: BackupInfo = { path: dest, bytes, sha256 };
  return { backup: info };
}
