/**
 * The folder and file handling both caches of the CLI share: the V8 code cache (startup/code-cache.ts: compiled code
 * V8 runs as is) and the lint-result cache (startup/lint-cache.ts: a planted entry could hide an unsafe migration
 * from the upgrade's lint). Each lives in a per-user folder of the shared temp directory, which must be checked
 * before anything is read from it.
 */
import { lstatSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * A cache's folder: `setting` (its environment variable) when set, null when it is `off` or `0` (disabled), else
 * `<os.tmpdir()>/<name>-<uid>`.
 */
export function cacheFolder(setting: string | undefined, name: string): string | null {
  if (setting === 'off' || setting === '0') return null;
  if (setting) return setting;
  const uid = typeof process.getuid === 'function' ? String(process.getuid()) : 'user';
  return path.join(os.tmpdir(), `${name}-${uid}`);
}

/**
 * True when `dir` is missing (the caller then creates it with mode 0700) or is a real folder (not a symbolic
 * link) owned by this user that nobody else can write. On platforms without uids (Windows) only the mode is checked.
 */
export function isPrivateFolder(dir: string): boolean {
  let st;
  try {
    st = lstatSync(dir);
  } catch {
    return true;
  }
  if (!st.isDirectory() || (st.mode & 0o022) !== 0) return false;
  return typeof process.getuid !== 'function' || st.uid === process.getuid();
}

/**
 * Writes `file` whole (mode 0600) through a temporary file renamed into place, so that a reader (another process)
 * never sees half of it; creates its folder with mode 0700 when missing.
 * @throws the file system's error (the caches ignore it: a lost write only costs the next run its speed).
 */
export function writePrivateFile(file: string, data: string | NodeJS.ArrayBufferView): void {
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  writeFileSync(tmp, data, { mode: 0o600 });
  renameSync(tmp, file);
}
