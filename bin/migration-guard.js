#!/usr/bin/env node
// Entry for the `migration-guard` CLI: the bundled engine and analyzer (npm run build first).
require('../dist/cli.js');
