/**
 * The `migration-guard` program (built to dist/cli.js; bin/migration-guard.js and the extension run it): sets the
 * V8 flags of a short-lived command, then runs the CLI bundle dist/cli-main.js, or dist/cli-check.js when the first
 * argument is `check` (the same command without the engine and the other commands: see cli/check-main.ts).
 */
import path from 'node:path';
import v8 from 'node:v8';
import type * as Cli from '../cli/main';
import type * as CheckCli from '../cli/check-main';

// WebAssembly (libpg-query) compiled by the baseline compiler only: a command lives for a second, and V8's background
// tier-up to TurboFan only costs it CPU and memory on two cores. Measured (2 cores, check --dialect postgresql; the
// V8 flag as a node option): one statement 0.36-0.55 s CPU and 66-71 MB peak RSS instead of 0.73-0.88 s and
// 83-88 MB; 500 small migrations 0.51-0.55 s CPU / 72-74 MB instead of 1.01-1.17 s / 120 MB; 5,000 statements
// 0.72-0.81 s CPU / 102 MB instead of 1.20-1.52 s / 150 MB. Set at run time, before any module is compiled, so that a
// V8 without the flag ignores it instead of refusing to start. (Not in the language server: it lives long enough.)
v8.setFlagsFromString('--liftoff-only');

const argv = process.argv.slice(2);
// `check` runs as its own program: loading the engine bundle (the other commands, the engine) cost a one-statement check
// about 25 ms CPU and 2.5 MiB peak RSS it never uses (paired whole-process runs, 2 cores; CHANGELOG).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const cli = require(path.join(__dirname, argv[0] === 'check' ? 'cli-check.js' : 'cli-main.js')) as typeof Cli | typeof CheckCli;
cli.runAsProgram(argv);
