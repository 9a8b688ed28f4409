/**
 * Stands in for `server/src/lint` inside the CLI bundle (esbuild.mjs redirects its imports of the analyzer here):
 * the analyzer is its own bundle, dist/lint.js, whose hash is the analyzer build the lint cache keys results by
 * (lint-cache.ts), loaded only by the commands that lint.
 */
import path from 'node:path';

// eslint-disable-next-line @typescript-eslint/no-require-imports
module.exports = require(path.join(__dirname, 'lint.js'));
