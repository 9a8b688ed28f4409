/**
 * Runs the engine in its own Node process (the bundled CLI with `--json`), never in the extension
 * host: loading a knexfile runs workspace code, and the CLI gives CI and the editor one answer.
 */
import { spawn } from 'node:child_process';
import * as vscode from 'vscode';
import { commandArgv, DEFAULT_CONNECT_TIMEOUT_SECONDS, type CommandInput, type CommandSpec, type ErrorResult, type ResultOf } from '../../server/src/protocol';
import { EngineHost, EngineHostGone, lineLogger } from './engine-host';

/** A failure the engine reported (ErrorResult) or a crash of the engine process. */
export class EngineError extends Error {
  constructor(
    message: string,
    readonly code: string,
    readonly hint?: string,
    /** `knexfile-load` for an unknown environment: the knexfile's environments (ErrorResult `environments`). */
    readonly environments?: string[],
  ) {
    super(message);
    this.name = 'EngineError';
  }
}

/** Arguments common to every engine command, from the settings of a workspace folder. */
export interface EngineTarget {
  /** Workspace folder whose settings apply; the engine runs in it (`--cwd`) unless `project` says otherwise. */
  folder: vscode.WorkspaceFolder;
  /**
   * A project found below the folder (`projects --json`): the engine runs in its `root`, with its `knexfile` (which
   * overrides the `migrationGuard.knexfile` setting). Other runners' projects pass no knexfile.
   */
  project?: { root: string; knexfile?: string };
}

/** A command of the protocol's table that reads files only (takes neither the engine flags nor a project). */
export type ToolCommand = CommandSpec & { readonly engine: false };

/** A command of the protocol's table that runs on a project (takes `--cwd`, `--knexfile`, `--env`, `--json`). */
export type EngineCommand = CommandSpec & { readonly engine: true };

/**
 * Runs CLI commands with JSON output: read-only ones (protocol `readOnly`) in the warm engine host (engine-host.ts),
 * falling back to a process of their own when the host cannot answer; every other command in a process of its own.
 * @param cliPath absolute path of dist/cli.js
 * @param log receives every stderr line (the engine's progress) and the command line.
 */
export class Engine {
  private readonly host: EngineHost;

  constructor(
    private readonly cliPath: string,
    private readonly log: (line: string) => void,
  ) {
    this.host = new EngineHost(cliPath, log);
  }

  /**
   * Stops the engine host; the next read starts a new one. For a change of project code the host may have kept
   * loaded (a knexfile, package.json, a lock file): a read under way falls back to a process of its own.
   */
  restartHost(): void {
    this.host.stop('a knexfile, package.json or lock file changed');
  }

  /** Stops the engine host. */
  dispose(): void {
    this.host.dispose();
  }

  /**
   * Runs `command` with `input` (its arguments and flags, e.g. `{ dryRun: true, step: 1 }`) as
   * `migration-guard <command> … --json --cwd <folder>` (and the folder's `knexfile` / `environment` /
   * `connectTimeout` settings)
   * and returns the parsed result, typed by the protocol's table. Exit codes 0 and 1 carry a result
   * (1 = findings / invalid / refused); an `error` object or exit code 2 throws {@link EngineError}.
   */
  async run<C extends EngineCommand>(command: C, input: CommandInput<C>, target: EngineTarget, token?: vscode.CancellationToken): Promise<ResultOf<C>> {
    const config = vscode.workspace.getConfiguration('migrationGuard', target.folder.uri);
    const cwd = target.project?.root ?? target.folder.uri.fsPath;
    const knexfile = target.project ? target.project.knexfile : config.get<string>('knexfile', '') || undefined;
    const environment = config.get<string>('environment', '');
    const timeout = config.get<number>('connectTimeout', DEFAULT_CONNECT_TIMEOUT_SECONDS);
    const connectTimeout = typeof timeout === 'number' && timeout > 0 ? timeout : DEFAULT_CONNECT_TIMEOUT_SECONDS;
    // Every engine command takes these flags (protocol ENGINE_FLAGS); the types cannot see it through the generic C.
    const withEngineFlags = { ...input, json: true, cwd, ...(knexfile ? { knexfile } : {}), ...(environment ? { env: environment } : {}), connectTimeout } as CommandInput<C>;
    return this.runJson<ResultOf<C>>(command, commandArgv(command, withEngineFlags), cwd, token);
  }

  /**
   * Runs a command that reads files only (`projects`) as `migration-guard <command> … --json` in `cwd`; results and
   * failures as {@link run}.
   */
  async runTool<C extends ToolCommand>(command: C, input: CommandInput<C>, cwd: string, token?: vscode.CancellationToken): Promise<ResultOf<C>> {
    return this.runJson<ResultOf<C>>(command, commandArgv(command, { ...input, json: true } as CommandInput<C>), cwd, token);
  }

  /** A read-only command through the host (a process of its own when the host cannot answer), any other in a process. */
  private async runJson<R>(command: CommandSpec, fullArgs: string[], cwd: string, token?: vscode.CancellationToken): Promise<R> {
    if (!command.readOnly) return this.spawnJson<R>(fullArgs, cwd, token);
    if (token?.isCancellationRequested) throw new EngineError('Cancelled.', 'cancelled');
    // A cancelled read stops the host (it runs one command at a time); the next read starts it again.
    const cancel = token?.onCancellationRequested(() => this.host.stop('a read was cancelled'));
    this.log(`$ migration-guard ${fullArgs.join(' ')} (engine host)`);
    try {
      const answer = await this.host.request(fullArgs, cwd);
      return engineResult<R>(answer.stdout, answer.exitCode, null);
    } catch (error) {
      if (token?.isCancellationRequested) throw new EngineError('Cancelled.', 'cancelled');
      if (!(error instanceof EngineHostGone)) throw error;
      this.log(`${error.message}; running it as its own process`);
      return this.spawnJson<R>(fullArgs, cwd, token);
    } finally {
      cancel?.dispose();
    }
  }

  private spawnJson<R>(fullArgs: string[], cwd: string, token?: vscode.CancellationToken): Promise<R> {
    this.log(`$ migration-guard ${fullArgs.join(' ')}`);

    return new Promise<R>((resolve, reject) => {
      // ELECTRON_RUN_AS_NODE: in desktop VS Code process.execPath is Electron; this makes it plain Node.
      const child = spawn(process.execPath, [this.cliPath, ...fullArgs], {
        cwd,
        env: { ...process.env, ELECTRON_RUN_AS_NODE: '1', FORCE_COLOR: '0' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      const stderr = lineLogger(this.log);
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => stderr.write(chunk));
      const cancel = token?.onCancellationRequested(() => child.kill('SIGTERM'));
      child.on('error', (error) => {
        cancel?.dispose();
        reject(new EngineError(`Could not start the migration engine: ${error.message}`, 'spawn'));
      });
      child.on('close', (code, signal) => {
        cancel?.dispose();
        stderr.flush();
        if (token?.isCancellationRequested) return reject(new EngineError('Cancelled.', 'cancelled'));
        try {
          resolve(engineResult<R>(stdout, code, signal));
        } catch (error) {
          reject(error as Error);
        }
      });
    });
  }
}

/**
 * The result of one CLI run from its stdout and exit code: the parsed JSON on exit codes 0 and 1.
 * @throws EngineError with the engine's `error` (its code, hint, environments), `engine-crash` without JSON output,
 *   `engine-exit` for another exit code.
 */
function engineResult<R>(stdout: string, code: number | null, signal: NodeJS.Signals | null): R {
  let parsed: unknown;
  try {
    parsed = JSON.parse(stdout);
  } catch {
    const why = signal ? `was stopped by ${signal}` : `exited with code ${code} without a result`;
    throw new EngineError(`The migration engine ${why}. See the Migration Guard output for details.`, 'engine-crash');
  }
  const failure = (parsed as Partial<ErrorResult>).error;
  if (failure) throw new EngineError(failure.message, failure.code, failure.hint, failure.environments);
  if (code !== 0 && code !== 1) throw new EngineError(`The migration engine exited with code ${code}.`, 'engine-exit');
  return parsed as R;
}
