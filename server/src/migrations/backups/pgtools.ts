/**
 * PostgreSQL client tools (`pg_dump`, `pg_restore`): connection arguments without the password,
 * version checks against the server, and spawning with argument arrays (never a shell).
 *
 * Source: PostgreSQL docs, "pg_dump" and "pg_restore" (Reference → Client Applications): pg_dump
 * refuses a server newer than itself ("server version mismatch"); pg_restore reads archives written
 * by the same or an older pg_dump. libpq reads the password from `PGPASSWORD` or a password file.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import type { Knex } from 'knex';
import { EngineError, errorMessage } from '../errors';
import { maskText } from '../mask';

/** Connection as pg tool arguments (`--host`, `--port`, `--username`, `--dbname`) and environment (`PGPASSWORD` only). */
export interface PgConnectionArgs {
  args: string[];
  env: Record<string, string>;
}

/**
 * Translates a Knex `connection` setting (URL, libpq key/value string, `{ connectionString }` or
 * `{ host, port, user, password, database }`) into tool arguments. The password goes ONLY into
 * `env.PGPASSWORD`; it never appears in `args`.
 */
export function pgConnectionArgs(connection: unknown): PgConnectionArgs {
  const args: string[] = [];
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

/** A tool started by {@link startPgTool}. */
export interface RunningPgTool {
  /** Resolves with its stdout (empty with `stdout: false`) when it exits 0; rejects like {@link runPgTool}. */
  done: Promise<string>;
  /**
   * Ends it (SIGTERM; SIGKILL after `graceMs`, default 5000) and resolves once it has exited, so that
   * the caller may then delete what it was writing. Resolves at once if it has already exited.
   */
  stop(graceMs?: number): Promise<void>;
}

/**
 * Starts a tool with an argument array (never a shell), `env` added to the environment. `done`
 * resolves with its stdout when it exits 0 and rejects with an Error carrying `missing` (true when the
 * executable was not found), `exitCode` and `stderr` (the last 3 lines, masked) otherwise. `done`
 * never rejects unhandled: a caller that stops the tool without awaiting it loses nothing.
 */
export function startPgTool(exe: string, args: string[], env: Record<string, string> = {}, options: { stdout?: boolean } = {}): RunningPgTool {
  // detached: false (the default) keeps it in our process group, so a Ctrl-C reaches it too.
  const child = spawn(exe, args, { env: { ...process.env, ...env }, stdio: ['ignore', options.stdout === false ? 'ignore' : 'pipe', 'pipe'], shell: false, detached: false });
  const detachFromParent = killWithParent(child);
  let exited = false;
  const exit = new Promise<void>((resolve) => {
    child.once('close', () => resolve());
    child.once('error', () => resolve());
  }).then(() => {
    exited = true;
    detachFromParent();
  });
  const done = new Promise<string>((resolve, reject) => {
    let stdout = '';
    let stderr = '';
    child.stdout?.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', (err) => {
      const missing = (err as { code?: string }).code === 'ENOENT';
      reject(Object.assign(new Error(missing ? `${exe} was not found` : `${exe} could not start: ${errorMessage(err)}`), { missing, exitCode: null, stderr: '' }));
    });
    child.on('close', (code) => {
      if (code === 0) resolve(stdout);
      else {
        const text = maskText(stderr.trim().split('\n').slice(-3).join(' '));
        reject(Object.assign(new Error(`${exe} failed (exit ${code ?? 'signal'}): ${text}`), { missing: false, exitCode: code, stderr: text }));
      }
    });
  });
  done.catch(() => {});
  return {
    done,
    async stop(graceMs = 5000) {
      if (exited) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      try {
        await exit;
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

/** Signals on which a running tool is ended with its parent. */
const PARENT_EXIT_SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/**
 * Ends `child` (SIGTERM) when this process exits or is ended by SIGINT/SIGTERM/SIGHUP, so that a
 * pg_dump does not outlive a killed CLI and finish a file nobody will hash (issue 13); after ending
 * it, the signal is raised again with its default action unless someone else handles it. A SIGKILL
 * cannot be caught: then the orphan writes on to its temporary name, which is never a backup
 * (manifest.ts TEMP_PREFIX). Returns the function that removes these handlers (call it once the
 * child has exited).
 */
function killWithParent(child: ChildProcess): () => void {
  const onExit = () => {
    child.kill('SIGTERM');
  };
  const onSignal = (signal: NodeJS.Signals) => {
    child.kill('SIGTERM');
    detach();
    if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
  };
  const detach = () => {
    process.removeListener('exit', onExit);
    for (const s of PARENT_EXIT_SIGNALS) process.removeListener(s, onSignal);
  };
  process.on('exit', onExit);
  for (const s of PARENT_EXIT_SIGNALS) process.on(s, onSignal);
  return detach;
}

/** Runs a tool and returns its stdout; rejects with its exit code and the last lines of stderr (masked). See {@link startPgTool}. */
export function runPgTool(exe: string, args: string[], env: Record<string, string> = {}, options: { stdout?: boolean } = {}): Promise<string> {
  return startPgTool(exe, args, env, options).done;
}

/** A version as `major.minor` text and its major number. */
export interface ToolVersion {
  text: string;
  major: number;
}

/**
 * Parses `pg_dump (PostgreSQL) 15.18 (Debian 15.18-0+deb12u1)` → `{ text: '15.18', major: 15 }`
 * (also `9.6.24` → major 9). Null when no version is found.
 */
export function parseToolVersion(output: string): ToolVersion | null {
  const m = /\(PostgreSQL\)\s+(\d+)(?:\.(\d+))?(?:\.(\d+))?/.exec(output) ?? /\b(\d+)\.(\d+)(?:\.(\d+))?\b/.exec(output);
  if (!m?.[1]) return null;
  const major = Number(m[1]);
  const text = [m[1], m[2], m[3]].filter((x) => x !== undefined).join('.');
  return { text, major };
}

/** `<exe> --version`, parsed. @throws EngineError `backup-failed` when the tool is missing or prints no version. */
export async function toolVersion(exe: string): Promise<ToolVersion> {
  let out: string;
  try {
    out = await runPgTool(exe, ['--version']);
  } catch (err) {
    const missing = (err as { missing?: boolean }).missing === true;
    throw new EngineError('backup-failed', missing ? `${exe} was not found.` : errorMessage(err), 'Install the PostgreSQL client tools matching the server (apt-get install postgresql-client-<major>), or set MG_PG_DUMP / MG_PG_RESTORE to their path.');
  }
  const v = parseToolVersion(out);
  if (!v) throw new EngineError('backup-failed', `Cannot read the version of ${exe} from: ${out.trim()}`);
  return v;
}

/**
 * The server's version from `SHOW server_version_num` (e.g. 150018 → major 15; before 10:
 * 90624 → major 9). Source: PostgreSQL docs, "Preset Options" (server_version_num).
 */
export async function serverVersion(db: Knex): Promise<{ num: number; major: number }> {
  const r = (await db.raw('SHOW server_version_num')) as { rows: Array<{ server_version_num: string }> };
  const num = Number(r.rows[0]?.server_version_num);
  return { num, major: num >= 100000 ? Math.floor(num / 10000) : Math.floor(num / 100) / 100 };
}

/**
 * Throws when `tool` (a pg_dump or pg_restore) is older than the server: pg_dump cannot dump a newer
 * server. The message names both versions and the package that fixes it.
 * @throws EngineError `backup-failed`.
 */
export function assertToolNotOlder(toolName: string, exe: string, tool: ToolVersion, serverMajor: number): void {
  if (tool.major < serverMajor) {
    const major = Math.floor(serverMajor);
    throw new EngineError(
      'backup-failed',
      `${toolName} ${tool.text} (${exe}) is older than the PostgreSQL ${major} server: it cannot ${toolName === 'pg_dump' ? 'dump' : 'restore into'} it.`,
      `Install the matching client tools (apt-get install postgresql-client-${major}, or your platform's PostgreSQL ${major} client) and set MG_PG_DUMP / MG_PG_RESTORE to their path.`,
    );
  }
}
