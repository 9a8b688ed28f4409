/**
 * What every CLI command prints through, the engine left out: where it reads and writes ({@link CliIo}), the
 * JSON-or-text output and the exit code ({@link CliOutput}). `check` needs no more than this, so its program
 * (check-main.ts) loads no engine; the engine commands get {@link CliContext} (context.ts), which extends it.
 */
import { ExitCode } from '../protocol';

/** Where the CLI reads and writes; tests pass their own. */
export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
  /** Whether stdin is an interactive terminal (upgrade asks y/N only then). */
  isTTY: boolean;
  /** Asks a question (on stderr) and returns the typed line. */
  ask(question: string): Promise<string>;
  /** Base for relative paths and the default `--cwd`. */
  cwd: string;
}

/**
 * The process's stdio, stdin's terminal state and working folder. `process.stdin` and node:readline are touched
 * only when read: opening stdin loads Node's stream, net and tty modules, which `check` (no prompt) never needs.
 * `overrides` replace members (tests); merged without reading the getter, which a spread would.
 */
export function defaultIo(overrides: Partial<CliIo> = {}): CliIo {
  const io: CliIo = {
    stdout: (t) => void process.stdout.write(t),
    stderr: (t) => void process.stderr.write(t),
    get isTTY() {
      return process.stdin.isTTY === true;
    },
    cwd: process.cwd(),
    ask: (question) =>
      new Promise((resolve) => {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const { createInterface } = require('node:readline') as typeof import('node:readline');
        const rl = createInterface({ input: process.stdin, output: process.stderr });
        rl.question(question, (answer) => {
          rl.close();
          resolve(answer);
        });
        rl.on('close', () => resolve(''));
      }),
  };
  return Object.defineProperties(io, Object.getOwnPropertyDescriptors(overrides));
}

/** The output state of one CLI run: JSON or text, the exit code, the printing helpers. */
export class CliOutput {
  /** Whether a failure is printed as an ErrorResult on stdout (the command's `--json`, or its `--format json`). */
  json: boolean;
  /** The exit code main() returns when nothing throws: the last command's ({@link ExitCode}). */
  code: number = ExitCode.ok;

  constructor(
    readonly io: CliIo,
    /** The arguments after the program name. */
    readonly argv: readonly string[],
    /** The program's version (`--version`, SARIF). */
    readonly version: string,
  ) {
    this.json = wantsJson(argv);
  }

  /** Prints `text` on stdout, with a final newline. */
  out(text: string): void {
    this.io.stdout(text.endsWith('\n') ? text : `${text}\n`);
  }

  /** Prints the result as JSON (`options.json`) or as the text; later failures are printed the same way. */
  emit(options: { json?: boolean }, result: unknown, text: () => string): void {
    this.json = options.json === true;
    this.out(options.json ? JSON.stringify(result, null, 2) : text());
  }
}

/** A command's exit code: {@link ExitCode} `failure` when `failed`, else `ok`. */
export function exitCode(failed: boolean): number {
  return failed ? ExitCode.failure : ExitCode.ok;
}

/** Whether the arguments ask for JSON output (`--json`, `--format json`), read before commander has parsed them. */
export function wantsJson(argv: readonly string[]): boolean {
  return argv.includes('--json') || argv.includes('--format=json') || argv.join(' ').includes('--format json');
}
