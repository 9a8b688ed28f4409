/**
 * The extension's side of the engine host (protocol ENGINE_HOST_ARG): one Node process on dist/cli.js, started on the
 * first read-only command and kept while it answers, that runs `status`, `history` and `projects` exactly as the CLI
 * does with the same arguments, without paying Node's start and Knex's load on every refresh (bench/refresh.ts).
 * Any failure of the host itself (it could not start, it exited, it said it restarts) rejects with
 * {@link EngineHostGone}, and the caller runs the command as its own process instead: the host is a shortcut, never
 * the only way to an answer.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { ENGINE_HOST_ARG, type EngineHostMessage, type EngineHostRequest } from '../../server/src/protocol';

/** The host could not answer (not started, exited, restarting): run the command as a process of its own. */
export class EngineHostGone extends Error {
  constructor(why: string) {
    super(`The engine host could not answer: ${why}`);
    this.name = 'EngineHostGone';
  }
}

/**
 * A writer for a child's stderr chunks that calls `log` once per non-blank line (a line split across chunks is
 * kept until its end); `flush()` logs what is left when the stream ends.
 */
export function lineLogger(log: (line: string) => void): { write(chunk: string): void; flush(): void } {
  let rest = '';
  return {
    write(chunk) {
      const lines = (rest + chunk).split('\n');
      rest = lines.pop() ?? '';
      for (const line of lines) if (line.trim()) log(line);
    },
    flush() {
      if (rest.trim()) log(rest);
      rest = '';
    },
  };
}

/** What the CLI printed on stdout for one command, and its exit code. */
export interface HostAnswer {
  exitCode: number;
  stdout: string;
}

interface Pending {
  /** The host process the request went to. */
  child: ChildProcess;
  resolve(answer: HostAnswer): void;
  reject(error: Error): void;
}

/**
 * Starts the host on the first {@link request} and again after it went away.
 * @param cliPath absolute path of dist/cli.js
 * @param log receives the host's progress lines (the CLI's stderr) and its own stderr
 */
export class EngineHost {
  private child: ChildProcess | undefined;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();

  constructor(
    private readonly cliPath: string,
    private readonly log: (line: string) => void,
  ) {}

  /**
   * Runs `argv` (`['status', '--json', '--cwd', dir, …]`) in the host with `cwd` as the CLI's base folder.
   * @throws EngineHostGone when the host cannot answer (the caller falls back to a process of its own).
   */
  request(argv: string[], cwd: string): Promise<HostAnswer> {
    const child = this.child ?? this.start();
    const id = this.nextId++;
    return new Promise<HostAnswer>((resolve, reject) => {
      this.pending.set(id, { child, resolve, reject });
      const message: EngineHostRequest = { id, argv, cwd };
      try {
        child.send(message, (error) => {
          if (error) this.settle(id, new EngineHostGone(error.message));
        });
      } catch (error) {
        this.settle(id, new EngineHostGone(error instanceof Error ? error.message : String(error)));
      }
    });
  }

  /** Stops the host (a cancelled command, the extension's end); requests under way reject with {@link EngineHostGone}. */
  stop(why = 'stopped'): void {
    const child = this.child;
    this.child = undefined;
    child?.kill('SIGTERM');
    for (const id of [...this.pending.keys()]) this.settle(id, new EngineHostGone(why));
  }

  dispose(): void {
    this.stop('the extension stopped');
  }

  private start(): ChildProcess {
    // ELECTRON_RUN_AS_NODE: in desktop VS Code process.execPath is Electron; this makes it plain Node.
    const child = spawn(process.execPath, [this.cliPath, ENGINE_HOST_ARG], {
      env: { ...process.env, ELECTRON_RUN_AS_NODE: '1', FORCE_COLOR: '0' },
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    });
    this.child = child;
    const stderr = lineLogger(this.log);
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => stderr.write(chunk));
    child.stderr?.on('end', () => stderr.flush());
    child.on('message', (message: EngineHostMessage) => {
      if ('stderr' in message) {
        if (message.stderr.trim()) this.log(message.stderr);
        return;
      }
      if (message.restart && this.child === child) this.child = undefined;
      const pending = this.pending.get(message.id);
      this.pending.delete(message.id);
      pending?.resolve({ exitCode: message.exitCode, stdout: message.stdout });
    });
    const gone = (why: string) => {
      if (this.child === child) this.child = undefined;
      for (const [id, pending] of [...this.pending]) if (pending.child === child) this.settle(id, new EngineHostGone(why));
    };
    child.on('error', (error) => gone(error.message));
    // Requests under way fail when the IPC channel closes, not at 'exit': messages sent just before the host exited
    // are still being read then; 'disconnect' comes after the last of them.
    let ended = 'its channel closed';
    child.on('exit', (code, signal) => {
      ended = signal ? `stopped by ${signal}` : `exited with code ${code}`;
      if (this.child === child) this.child = undefined;
    });
    child.on('disconnect', () => gone(ended));
    return child;
  }

  private settle(id: number, error: Error): void {
    const pending = this.pending.get(id);
    this.pending.delete(id);
    pending?.reject(error);
  }
}
