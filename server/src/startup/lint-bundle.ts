/**
 * Stands in for `server/src/lint` inside the CLI bundles (esbuild.mjs redirects their imports of the
 * analyzer here): the analyzer, with the TypeScript compiler it reads Knex migrations with, is its own
 * bundle, dist/lint.js, loaded through the code cache only by the commands that lint. `status`,
 * `backup` and the other commands never pay for it.
 */
import path from 'node:path';
import { requireWithCodeCache } from './code-cache';

module.exports = requireWithCodeCache(path.join(__dirname, 'lint.js'));
