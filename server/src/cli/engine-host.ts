/**
 * The extension's engine host: `dist/cli.js --engine-host` (protocol ENGINE_HOST_ARG), started by the extension with
 * an IPC channel. It runs read-only commands (protocol `CommandSpec.readOnly`: status, history, projects) one at a
 * time, each through the CLI's own main() with the same arguments, so it prints what the CLI prints; what it saves is
 * Node's start and the load of Knex and this bundle on every refresh of the Revisions view (bench/refresh.ts).
 *
 * Before each command the process is as the CLI would find it for what matters to a read: the environment variables
 * it started with (a knexfile's dotenv sees a `.env` edited since), the command's folder as working folder, no module of the
 * project in `require.cache` (the knexfile, what it requires, migrations): only packages under `node_modules` and
 * the host's own code stay loaded. An ES module of the project cannot be dropped (Node keeps it), and a TypeScript
 * loader registered from one project would serve the next (migrations/project/lasting-state.ts), so after a command
 * that did either the host answers with `restart` and exits; it also exits when idle, or when its parent goes.
 */
import path from 'node:path';
import { projectStateLeft } from '../migrations';
import { commands, ExitCode, type EngineHostMessage, type EngineHostRequest, type ErrorResult } from '../protocol';
import type { CliIo } from './context';

/** The host exits after this long without a request (ms); the extension starts it again on its next read. */
export const ENGINE_HOST_IDLE_MS = 5 * 60_000;

/** The names of the commands the host runs (protocol `readOnly`). */
export const HOSTED_COMMANDS: ReadonlySet<string> = new Set(Object.values(commands).filter((c) => 'readOnly' in c && c.readOnly).map((c) => c.name));

type Main = (argv: string[], io: Partial<CliIo>) => Promise<number>;

/**
 * Serves {@link EngineHostRequest}s from the parent process until it disconnects or the host is idle for
 * {@link ENGINE_HOST_IDLE_MS}. Without an IPC channel it prints why and sets exit code 2.
 */
export function runEngineHost(main: Main): void {
  const send = process.send?.bind(process);
  if (!send) {
    process.stderr.write('error: --engine-host is started by the Migration Guard extension, with an IPC channel.\n');
    process.exitCode = ExitCode.setup;
    return;
  }
  const fresh = freshStateKeeper();
  let queue = Promise.resolve();
  const exitWhenIdle = () => setTimeout(() => process.exit(0), ENGINE_HOST_IDLE_MS);
  let idle = exitWhenIdle();
  process.on('disconnect', () => process.exit(0));
  process.on('message', (message: EngineHostRequest) => {
    clearTimeout(idle);
    queue = queue.then(async () => {
      const answer = await serve(main, message, (line) => send({ id: message.id, stderr: line } satisfies EngineHostMessage), fresh);
      const restart = projectStateLeft();
      send({ ...answer, ...(restart ? { restart: true } : {}) } satisfies EngineHostMessage, undefined, {}, () => {
        if (restart) process.exit(0);
      });
      idle = exitWhenIdle();
    });
  });
}

/** Runs one request through main() after {@link freshStateKeeper}'s reset; refuses any command that may write. */
async function serve(main: Main, request: EngineHostRequest, progress: (line: string) => void, fresh: (cwd: string) => void): Promise<Extract<EngineHostMessage, { exitCode: number }>> {
  const name = request.argv[0] ?? '';
  if (!HOSTED_COMMANDS.has(name)) {
    return setupError(request.id, { code: 'usage', message: `The engine host runs read-only commands only (${[...HOSTED_COMMANDS].join(', ')}), not '${name}'.` });
  }
  try {
    fresh(request.cwd);
  } catch (error) {
    // The folder is gone or unreadable: what the CLI would say when started there.
    return setupError(request.id, { code: 'no-project', message: `Cannot run in ${request.cwd}: ${error instanceof Error ? error.message : String(error)}` });
  }
  let stdout = '';
  let rest = '';
  const exitCode = await main(request.argv, {
    stdout: (text) => void (stdout += text),
    stderr: (text) => {
      const lines = (rest + text).split('\n');
      rest = lines.pop() ?? '';
      for (const line of lines) progress(line);
    },
    isTTY: false,
    ask: () => Promise.reject(new Error('the engine host cannot ask')),
    cwd: request.cwd,
  });
  if (rest) progress(rest);
  return { id: request.id, exitCode, stdout };
}

/** The answer of a request the host did not run: an ErrorResult printed as the CLI prints one, exit code 2. */
function setupError(id: number, error: ErrorResult['error']): Extract<EngineHostMessage, { exitCode: number }> {
  return { id, exitCode: ExitCode.setup, stdout: `${JSON.stringify({ error } satisfies ErrorResult, null, 2)}\n` };
}

/**
 * Remembers the process's environment and loaded modules now, and returns the reset run before each command:
 * environment variables as they were; the working folder the command's (as the extension spawns the CLI in it: a
 * knexfile may resolve paths against `process.cwd()`); every module loaded since that is neither a package (a path
 * under `node_modules`) nor the host's own code (its folder) dropped from `require.cache`.
 */
function freshStateKeeper(): (cwd: string) => void {
  const env = { ...process.env };
  const own = __dirname + path.sep;
  const atStart = new Set(Object.keys(require.cache));
  return (cwd) => {
    for (const key of Object.keys(process.env)) if (!(key in env)) delete process.env[key];
    Object.assign(process.env, env);
    if (process.cwd() !== cwd) process.chdir(cwd);
    for (const file of Object.keys(require.cache)) {
      if (atStart.has(file) || file.startsWith(own) || file.split(path.sep).includes('node_modules')) continue;
      delete require.cache[file];
    }
  };
}
