/**
 * Backup manifests (`<backup name>.json` beside each backup file, mode 0600) and the backup list.
 * A manifest records what is needed to trust and restore the backup: sha256 and size of the file,
 * when it was taken, the source (password masked), the client, the migration state and tool versions.
 *
 * A backup is COMPLETE only when its manifest exists, is readable, names the file, and the file's size
 * and sha256 match it (issue 13: a backup killed midway, or an orphaned pg_dump's output, has no
 * manifest and must never count as a backup). backup.ts writes the data and the manifest under
 * temporary names ({@link TEMP_PREFIX}) and renames them into place, the manifest last.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, open, readdir, readFile, rename, stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import type { BackupListEntry, BackupManifest, PruneResult } from '../../protocol';
import { EngineError } from '../errors';

/** Version of Migration Guard written into manifests (package.json `version`). */
export const MIGRATION_GUARD_VERSION = '0.1.0';

/** Backup file extensions: SQLite copies and `pg_dump -Fc` archives. */
export const BACKUP_EXTENSIONS = ['.sqlite3', '.dump'] as const;

/** `backup_YYYYMMDD_HHMMSS[_label][_N]` followed by a backup extension. */
const BACKUP_FILE = /^backup_\d{8}_\d{6}(?:_[A-Za-z0-9-]+)*\.(?:sqlite3|dump)$/;

/**
 * Prefix of the temporary names a backup is written under (`.tmp-<name>.sqlite3.<pid>`,
 * `.tmp-<name>.json.<pid>`): hidden, and never matched as a backup. A killed backup leaves only such
 * a file; {@link pruneBackups} removes those older than {@link INCOMPLETE_GRACE_MS}.
 */
export const TEMP_PREFIX = '.tmp-';

/**
 * How old an incomplete backup or a temporary file must be before `prune` removes it (one day): a
 * younger one may belong to a backup still being written by another process.
 */
export const INCOMPLETE_GRACE_MS = 24 * 60 * 60 * 1000;

/**
 * Size limit of the sha256 check in the `backups` command's listing (64 MiB, about 60 ms of hashing here):
 * bigger backups are listed as complete when their size matches the manifest (`checked: 'size'`);
 * `restore` and `prune` always check the sha256.
 */
export const LIST_HASH_LIMIT = 64 << 20;

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

/** Temporary name in `dir` for the final file name `finalName` (see {@link TEMP_PREFIX}). */
export function tempPath(dir: string, finalName: string): string {
  return path.join(dir, `${TEMP_PREFIX}${finalName}.${process.pid}`);
}

/** Read size of {@link hashFile}: two buffers of this size are in use at once (16 MiB). */
const HASH_CHUNK = 8 << 20;

/**
 * Lower-case hex sha256 and size (`bytes`: the number of bytes hashed, i.e. the file's length as read)
 * of a file, read from its first byte to its end. Two 8 MiB buffers alternate: the next read runs on
 * libuv's thread pool while the main thread digests the previous chunk (measured on a 531 MB file in
 * the page cache: 450–470 ms, against 490–550 ms with a 4 MiB `createReadStream` and twice that with
 * the default 64 KiB chunks). @throws the fs error (ENOENT, EACCES…).
 */
export async function hashFile(file: string): Promise<{ bytes: number; sha256: string }> {
  const hash = createHash('sha256');
  const fh = await open(file, 'r');
  let bytes = 0;
  try {
    const buffers = [Buffer.allocUnsafe(HASH_CHUNK), Buffer.allocUnsafe(HASH_CHUNK)];
    let position = 0;
    const readAt = (i: number) => {
      const p = fh.read(buffers[i % 2] as Buffer, 0, HASH_CHUNK, position);
      position += HASH_CHUNK;
      return p;
    };
    let next = readAt(0);
    for (let i = 1; ; i++) {
      const { bytesRead, buffer } = await next;
      if (bytesRead === 0) break;
      // The read into the other buffer runs while this one is digested; a short read is the end.
      const more = bytesRead === HASH_CHUNK;
      if (more) next = readAt(i);
      hash.update(bytesRead === HASH_CHUNK ? buffer : buffer.subarray(0, bytesRead));
      bytes += bytesRead;
      if (!more) break;
    }
  } finally {
    await fh.close();
  }
  return { bytes, sha256: hash.digest('hex') };
}

/**
 * Writes the manifest beside its backup, atomically: to a temporary name (mode 0600, fsynced), then
 * renamed onto `<name>.json`, so a manifest is either absent or whole (a full disk used to leave a
 * 0-byte one, issue 13). Returns its path. On failure the temporary file is removed and the fs error
 * (ENOSPC…) is thrown; the caller removes the backup file.
 */
export async function writeManifest(backupFile: string, manifest: BackupManifest): Promise<string> {
  const file = manifestPath(backupFile);
  const tmp = tempPath(path.dirname(file), path.basename(file));
  try {
    const fh = await open(tmp, 'w', 0o600);
    try {
      await fh.writeFile(`${JSON.stringify(manifest, null, 2)}\n`);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await chmod(tmp, 0o600);
    await rename(tmp, file);
  } catch (err) {
    await unlink(tmp).catch(() => {});
    throw err;
  }
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

/** Options of {@link listBackups}. */
export interface ListBackupsOptions {
  /** Clock for `ageSeconds`; default now. */
  now?: Date;
  /**
   * Backups up to this many bytes also get their sha256 compared with the manifest; bigger ones only
   * their size (`checked: 'size'`). Default 0 (size only: engine callers such as restore's result
   * need no hashing); the `backups` command passes {@link LIST_HASH_LIMIT}; `Infinity` checks every sha256.
   */
  hashUpTo?: number;
}

/**
 * Why a backup whose manifest was read is not complete, comparing the file's size and (when `sha256`
 * is given) hash with the manifest; null when they match.
 */
function mismatch(file: string, size: number, manifest: BackupManifest, sha256: string | null): string | null {
  if (manifest.file !== undefined && manifest.file !== path.basename(file)) return `its manifest describes another file (${manifest.file})`;
  if (size < manifest.bytes) return `truncated: ${size} bytes on disk, ${manifest.bytes} in its manifest`;
  if (size !== manifest.bytes) return `size differs: ${size} bytes on disk, ${manifest.bytes} in its manifest`;
  if (sha256 !== null && sha256 !== manifest.sha256) return 'sha256 differs from its manifest (corrupt)';
  return null;
}

/**
 * Every backup file in `dir` (`backup_*.sqlite3` / `backup_*.dump`; temporary names are not
 * backups), newest first (manifest `created`, else the file's mtime; ties by name, descending). A
 * missing folder → []. Each entry says whether it is `complete` (manifest present and readable, size
 * equal, and sha256 equal when the file is at most `hashUpTo` bytes, default none; `checked` says which) and, when
 * not, why (`problem`).
 */
export async function listBackups(dir: string, options: ListBackupsOptions = {}): Promise<BackupListEntry[]> {
  if (!existsSync(dir)) return [];
  const now = options.now ?? new Date();
  const hashUpTo = options.hashUpTo ?? 0;
  const out: BackupListEntry[] = [];
  for (const name of await readdir(dir)) {
    if (!BACKUP_FILE.test(name)) continue;
    const file = path.join(dir, name);
    let st;
    try {
      st = await stat(file);
    } catch {
      continue; // deleted meanwhile (a concurrent prune)
    }
    let manifest: BackupManifest | null = null;
    let problem: string | null = null;
    let checked: BackupListEntry['checked'] = null;
    try {
      manifest = await readManifest(file);
      if (!manifest) problem = 'no manifest (the backup did not finish)';
    } catch (err) {
      problem = `unreadable manifest: ${(err as Error).message}`;
    }
    if (manifest) {
      const hashIt = st.size <= hashUpTo;
      const sha256 = hashIt ? (await hashFile(file)).sha256 : null;
      problem = mismatch(file, st.size, manifest, sha256);
      checked = hashIt ? 'sha256' : 'size';
    }
    const created = manifest?.created ?? st.mtime.toISOString();
    out.push({
      name: backupName(file),
      path: file,
      bytes: st.size,
      created,
      ageSeconds: Math.max(0, Math.round((now.getTime() - Date.parse(created)) / 1000)),
      modified: st.mtime.toISOString(),
      label: manifest?.label ?? null,
      kind: manifest?.kind ?? null,
      migrations: manifest ? manifest.migrations.map((m) => m.name) : null,
      manifest,
      complete: problem === null,
      checked,
      ...(problem !== null ? { problem } : {}),
    });
  }
  out.sort((a, b) => (a.created === b.created ? (a.name < b.name ? 1 : -1) : a.created < b.created ? 1 : -1));
  return out;
}

/** Options of {@link pruneBackups}. */
export interface PruneBackupsOptions {
  /** Only compute what would be deleted. */
  dryRun?: boolean;
  /** Clock for the one-day grace of incomplete files; default now. */
  now?: Date;
}

/**
 * Deletes the oldest COMPLETE backups (file and manifest) beyond the newest `keep` (at least 1, so the
 * newest complete backup is never deleted), and removes incomplete backups and temporary files left by
 * killed backups once they are older than a day (file mtime; {@link INCOMPLETE_GRACE_MS}). Younger
 * incomplete ones are left (a backup may be running) and reported in `leftIncomplete`.
 * Completeness: the newest backups are checked by sha256, newest first, until `keep` complete ones are
 * found; the older ones (deleted either way) only by size, so a prune does not hash every backup.
 * @throws EngineError `usage` when `keep` is not an integer ≥ 1.
 */
export async function pruneBackups(dir: string, keep: number, options: PruneBackupsOptions = {}): Promise<PruneResult> {
  if (!Number.isInteger(keep) || keep < 1) {
    throw new EngineError('usage', `--keep must be a whole number of at least 1 (got ${String(keep)}): the newest backup is never deleted.`);
  }
  const now = options.now ?? new Date();
  const all = await listBackups(dir, { now, hashUpTo: 0 });
  const kept: BackupListEntry[] = [];
  const doomed: BackupListEntry[] = [];
  const incomplete: BackupListEntry[] = [];
  for (const b of all) {
    if (b.complete && kept.length < keep && b.manifest) {
      // Kept ones must be the real thing: compare the sha256 too.
      const problem = mismatch(b.path, b.bytes, b.manifest, (await hashFile(b.path)).sha256);
      if (problem === null) kept.push({ ...b, checked: 'sha256' });
      else incomplete.push({ ...b, complete: false, checked: 'sha256', problem });
    } else if (b.complete) {
      doomed.push(b);
    } else {
      incomplete.push(b);
    }
  }
  const old = (modified: number) => now.getTime() - modified >= INCOMPLETE_GRACE_MS;
  const removed: PruneResult['removedIncomplete'] = [];
  const left: PruneResult['leftIncomplete'] = [];
  for (const b of incomplete) {
    (old(Date.parse(b.modified ?? b.created)) ? removed : left).push({ name: path.basename(b.path), reason: b.problem ?? 'incomplete' });
  }
  const leftovers: string[] = [];
  for (const name of existsSync(dir) ? await readdir(dir) : []) {
    if (!name.startsWith(TEMP_PREFIX)) continue;
    const st = await stat(path.join(dir, name)).catch(() => null);
    if (st && old(st.mtime.getTime())) {
      removed.push({ name, reason: 'temporary file of a backup that did not finish' });
      leftovers.push(name);
    }
  }
  if (!options.dryRun) {
    for (const b of doomed) {
      await unlink(b.path);
      await unlink(manifestPath(b.path)).catch(() => {});
    }
    for (const r of removed) {
      const file = path.join(dir, r.name);
      await unlink(file).catch(() => {});
      if (!leftovers.includes(r.name)) await unlink(manifestPath(file)).catch(() => {});
    }
  }
  return { kept: kept.map((b) => b.name), deleted: doomed.map((b) => b.name), removedIncomplete: removed, leftIncomplete: left };
}

/** `5 s`, `3 min`, `2 h`, `4 d`: a rough age for people. */
export function formatAge(seconds: number): string {
  if (seconds < 60) return `${seconds} s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min`;
  if (seconds < 86400) return `${Math.floor(seconds / 3600)} h`;
  return `${Math.floor(seconds / 86400)} d`;
}

