/**
 * The check both caches of the CLI make before they read anything from a folder in a shared temp directory:
 * the V8 code cache (cli/compile-cache.ts: compiled code V8 runs as is) and the lint-result cache
 * (migrations/lint-cache.ts: a planted entry could hide an unsafe migration from the upgrade's lint).
 */
import { lstatSync } from 'node:fs';

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
