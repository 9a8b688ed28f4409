/**
 * Backup manifests (`<backup name>.json` beside each backup file, mode 0600) and the backup list.
 * A manifest records what is needed to trust and restore the backup: sha256 and size of the file,
 * when it was taken, the source (password masked), the client, the migration state and tool versions.
 */
import { existsSync } from 'node:fs';
import { readdir, readFile, stat, writeFile, chmod } from 'node:fs/promises';
import path from 'node:path';
import type { BackupListEntry, BackupManifest } from '../protocol';

/** Version of Migration Guard written into manifests (package.json `version`). */
export const MIGRATION_GUARD_VERSION = '0.1.0';

/** Backup file extensions: SQLite copies and `pg_dump -Fc` archives. */
export const BACKUP_EXTENSIONS = ['.sqlite3', '.dump'] as const;

/** `backup_YYYYMMDD_HHMMSS[_label][_N]` followed by a backup extension. */
const BACKUP_FILE = /^backup_\d{8}_\d{6}(?:_[A-Za-z0-9-]+)*\.(?:sqlite3|dump)$/;

/**
 * A label usable in a file name: letters, digits and `-` only (anything else, `_` included, becomes
 * `-`), no leading/trailing `-`, at most 40 characters. Empty → null (no label).
 */
export function sanitizeLabel(label: string | undefined | null): string | null {
  if (!label) return null;
  const s = label
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[^A-Za-z0-9-]+/g, '-')
    .replace(/-{2,}/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40)
    .replace(/-+$/, '');
  return s || null;
}

/** Path of the manifest of a backup file: `backup_….sqlite3` → `backup_….json`. */
export function manifestPath(backupFile: string): string {
  return backupFile.replace(/\.(sqlite3|dump)$/, '') + '.json';
}

/** Backup name (file name without extension). */
export function backupName(backupFile: string): string {
  return path.basename(backupFile).replace(/\.(sqlite3|dump)$/, '');
}

/** Writes the manifest beside its backup with mode 0600; returns its path. */
export async function writeManifest(backupFile: string, manifest: BackupManifest): Promise<string> {
  const file = manifestPath(backupFile);
  await writeFile(file, `${JSON.stringify(manifest, null, 2)}\n`, { mode: 0o600 });
  await chmod(file, 0o600);
  return file;
}

/** Reads a backup's manifest; null when there is none. @throws Error when it exists but is not valid JSON. */
export async function readManifest(backupFile: string): Promise<BackupManifest | null> {
  const file = manifestPath(backupFile);
  if (!existsSync(file)) return null;
  const parsed = JSON.parse(await readFile(file, 'utf8')) as BackupManifest;
  if (typeof parsed !== 'object' || parsed === null || typeof parsed.sha256 !== 'string' || typeof parsed.bytes !== 'number') {
    throw new Error(`${file} is not a backup manifest (no sha256/bytes)`);
  }
  return parsed;
}

/**
 * Every backup file in `dir` (`backup_*.sqlite3` / `backup_*.dump`), newest first (manifest
 * `created`, else the file's mtime; ties by name, descending). A missing folder → []. A manifest that
 * cannot be read gives `manifest: null` and `problem`.
 */
export async function listBackups(dir: string, now: Date = new Date()): Promise<BackupListEntry[]> {
  if (!existsSync(dir)) return [];
  const out: BackupListEntry[] = [];
  for (const name of await readdir(dir)) {
    if (!BACKUP_FILE.test(name)) continue;
    const file = path.join(dir, name);
    const st = await stat(file);
    let manifest: BackupManifest | null = null;
    let problem: string | undefined;
    try {
      manifest = await readManifest(file);
      if (!manifest) problem = 'no manifest';
    } catch (err) {
      problem = `unreadable manifest: ${(err as Error).message}`;
    }
    const created = manifest?.created ?? st.mtime.toISOString();
    out.push({
      name: backupName(file),
      path: file,
      bytes: st.size,
      created,
      ageSeconds: Math.max(0, Math.round((now.getTime() - Date.parse(created)) / 1000)),
      label: manifest?.label ?? null,
      kind: manifest?.kind ?? null,
      migrations: manifest ? manifest.migrations.map((m) => m.name) : null,
      manifest,
      ...(problem ? { problem } : {}),
    });
  }
  out.sort((a, b) => (a.created === b.created ? (a.name < b.name ? 1 : -1) : a.created < b.created ? 1 : -1));
  return out;
}

/** `5 s`, `3 min`, `2 h`, `4 d`: a rough age for people. */
export function formatAge(seconds: number): string {
  if (seconds < 60) return `${seconds} s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min`;
  if (seconds < 86400) return `${Math.floor(seconds / 3600)} h`;
  return `${Math.floor(seconds / 86400)} d`;
}

/** `1.2 MB`-style size (powers of 1024). */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let v = bytes;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return i === 0 ? `${bytes} B` : `${v.toFixed(1)} ${units[i]}`;
}
