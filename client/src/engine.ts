/**
 * Runs the engine in its own Node process (the bundled CLI with `--json`), never in the extension
 * host: loading a knexfile runs workspace code, and the CLI gives CI and the editor one answer.
 */
import { spawn } from 'node:child_process';
import * as vscode from 'vscode';
import type { ErrorResult } from '../../server/src/protocol';

/** A failure the engine reported (ErrorResult) or a crash of the engine process. */
export class EngineError extends Error {
  constructor(
    message: string,
    readonly code: string,
    readonly hint?: string,
  ) {
    super(message);
    this.name = 'EngineError';
  }
}

/** Arguments common to every engine command, from the settings of a workspace folder. */
export interface EngineTarget {
  /** Workspace folder the engine runs in (`--cwd`). */
  folder: vscode.WorkspaceFolder;
}

/**
 * Spawns the CLI and calls it with JSON output.
 * @param cliPath absolute path of dist/cli.js
 * @param log receives every stderr line (the engine's progress) and the command line.
 */
export class Engine {
  constructor(
    private readonly cliPath: string,
    private readonly log: (line: string) => void,
  ) {}

  /**
   * Runs `migration-guard <command> <args> --json --cwd <folder>` and returns the parsed result.
   * Exit codes 0 and 1 carry a result (1 = findings / invalid / refused); an `error` object or
   * exit code 2 throws {@link EngineError}.
   */
  async run<T>(command: string, args: string[], target: EngineTarget, token?: vscode.CancellationToken): Promise<T> {
    const config = vscode.workspace.getConfiguration('migrationGuard', target.folder.uri);
    const cwd = target.folder.uri.fsPath;
    const fullArgs = [command, ...args, '--json', '--cwd', cwd];
    const knexfile = config.get<string>('knexfile', '');
    const environment = config.get<string>('environment', '');
    if (knexfile) fullArgs.push('--knexfile', knexfile);
    if (environment) fullArgs.push('--env', environment);
    this.log(`$ migration-guard ${fullArgs.join(' ')}`);

    return new Promise<T>((resolve, reject) => {
      // ELECTRON_RUN_AS_NODE: in desktop VS Code process.execPath is Electron; this makes it plain Node.
      const child = spawn(process.execPath, [this.cliPath, ...fullArgs], {
        cwd,
        env: { ...process.env, ELECTRON_RUN_AS_NODE: '1', FORCE_COLOR: '0' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderrRest = '';
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
        const lines = (stderrRest + chunk).split('\n');
        stderrRest = lines.pop() ?? '';
        for (const line of lines) if (line.trim()) this.log(line);
      });
      const cancel = token?.onCancellationRequested(() => child.kill('SIGTERM'));
      child.on('error', (error) => {
        cancel?.dispose();
        reject(new EngineError(`Could not start the migration engine: ${error.message}`, 'spawn'));
      });
      child.on('close', (code, signal) => {
        cancel?.dispose();
        if (stderrRest.trim()) this.log(stderrRest);
        if (token?.isCancellationRequested) return reject(new EngineError('Cancelled.', 'cancelled'));
        let parsed: unknown;
        try {
          parsed = JSON.parse(stdout);
        } catch {
          const why = signal ? `was stopped by ${signal}` : `exited with code ${code} without a result`;
          return reject(new EngineError(`The migration engine ${why}. See the Migration Guard output for details.`, 'engine-crash'));
        }
        const failure = (parsed as Partial<ErrorResult>).error;
        if (failure) return reject(new EngineError(failure.message, failure.code, failure.hint));
        if (code !== 0 && code !== 1) return reject(new EngineError(`The migration engine exited with code ${code}.`, 'engine-exit'));
        resolve(parsed as T);
      });
    });
  }
}
