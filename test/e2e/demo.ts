/**
 * What the end-to-end scenarios share besides code-server and the workbench: the packaged extension, a clean copy of
 * the demo workspace, and SQL on its SQLite file.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import sqlite3 from 'sqlite3';
import { packagedExtension as packagedExtensionAt } from './package';

export const root = path.resolve(import.meta.dirname, '..', '..');
export const demoDir = path.join(root, 'examples', 'demo');
export const extensionId = 'migration-guard.migration-guard';

/** The .vsix under test (package.ts {@link packagedExtensionAt}: MG_E2E_VSIX, else dist/migration-guard.vsix, packaged when stale). */
export function packagedExtension(log: (line: string) => void): string {
  return packagedExtensionAt(root, log);
}

/** Copies the demo workspace without any database, backups or lock a local run may have left. */
export function copyDemo(to: string): void {
  fs.cpSync(demoDir, to, {
    recursive: true,
    filter: (src) => !/\.sqlite3(-journal|-wal|-shm)?$/.test(src) && path.basename(src) !== '.migration-guard',
  });
}

/** Runs statements on a SQLite file (created when missing). */
export function exec(file: string, sql: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const db = new sqlite3.Database(file, (openError) => {
      if (openError) return reject(openError);
      db.exec(sql, (error) => db.close(() => (error ? reject(error) : resolve())));
    });
  });
}

/** SELECT over a SQLite file, read-only. */
export function query<T>(file: string, sql: string): Promise<T[]> {
  return new Promise((resolve, reject) => {
    const db = new sqlite3.Database(file, sqlite3.OPEN_READONLY, (openError) => {
      if (openError) return reject(openError);
      db.all(sql, (error, rows) => db.close(() => (error ? reject(error) : resolve(rows as T[]))));
    });
  });
}

/** Runs the built CLI (dist/cli.js) in `cwd` with `--json`; resolves its parsed output. Throws on exit codes other than 0. */
export function cli<T>(cwd: string, args: string[]): T {
  const result = spawnSync(process.execPath, [path.join(root, 'dist', 'cli.js'), ...args, '--json'], { cwd, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`migration-guard ${args.join(' ')} exited with ${result.status ?? result.signal}:\n${result.stdout}\n${result.stderr}`);
  return JSON.parse(result.stdout) as T;
}
