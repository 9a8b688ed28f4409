/**
 * The `migration-guard` program (built to dist/cli.js; bin/migration-guard.js and the extension run it).
 * A few lines on purpose: it loads the CLI bundle dist/cli-main.js through the V8 code cache
 * (code-cache.ts), keyed by the command, then runs it.
 */
import path from 'node:path';
import { requireWithCodeCache, setCodeCacheTag } from './code-cache';
import { installHostImport } from '../esm-import';
import { CLI_COMMANDS } from '../cli/commands';
import type * as Cli from '../cli/main';

// import() inside bundles loaded from the code cache goes through this one, which Node compiled itself (esm-import.ts).
installHostImport((specifier) => import(specifier));

const argv = process.argv.slice(2);
// Any other first word (a typo, --help) shares one cache.
const command = argv.find((a) => CLI_COMMANDS.includes(a));
setCodeCacheTag(command ?? 'other');
const cli = requireWithCodeCache(path.join(__dirname, 'cli-main.js')) as typeof Cli;
cli.runAsProgram(argv);
