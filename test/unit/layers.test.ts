/**
 * The layer rule of eslint.config.mjs (issue 14): protocol <- lint <- config <- migrations <- cli / lsp, startup beside
 * the adapters, the client on the protocol only. Each case lints one import line as if it were in a real file of that
 * layer, with the project's own ESLint configuration.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { ESLint } from 'eslint';

const root = path.resolve(__dirname, '..', '..');
const eslint = new ESLint({ cwd: root });

/** The messages of `no-restricted-imports` for `source` linted as `file` (relative to the repository). */
async function layerErrors(file: string, source: string): Promise<string[]> {
  const [result] = await eslint.lintText(`${source}\nexport const used = x;\n`, { filePath: path.join(root, file) });
  return (result?.messages ?? []).filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

const VIOLATIONS: Array<[file: string, source: string]> = [
  ['server/src/migrations/errors.ts', "import { x } from '../cli/context';"],
  ['server/src/migrations/projects/discover.ts', "import { x } from '../../startup/lint-cache';"],
  ['server/src/migrations/errors.ts', "import { x } from '../lsp/convert';"],
  ['server/src/lint/index.ts', "import { x } from '../config';"],
  ['server/src/lint/parsers/knex.ts', "import { x } from '../../migrations/errors';"],
  ['server/src/config/dialect.ts', "import { x } from '../migrations/project';"],
  ['server/src/protocol/shapes.ts', "import { x } from '../lint/types';"],
  ['server/src/cli/context.ts', "import { x } from '../lsp/convert';"],
  ['server/src/lsp/convert.ts', "import { x } from '../cli/context';"],
  ['server/src/migrations/errors.ts', "import { x } from 'vscode';"],
  ['client/src/status-groups.ts', "import { x } from '../../server/src/migrations';"],
];

const ALLOWED: Array<[file: string, source: string]> = [
  ['server/src/migrations/errors.ts', "import { x } from '../config';"],
  ['server/src/migrations/schema/diff.ts', "import { x } from '../../protocol';"],
  ['server/src/cli/commands/upgrade.ts', "import { x } from '../../startup/lint-cache';"],
  ['server/src/protocol/index.ts', "import { x } from './cli';"],
  ['server/src/lsp/main.ts', "import { x } from 'vscode-languageserver/node';"],
  ['client/src/status-groups.ts', "import { x } from '../../server/src/protocol';"],
];

void describe('the ESLint layer rule', () => {
  for (const [file, source] of VIOLATIONS) {
    void it(`refuses in ${file}: ${source}`, async () => {
      const errors = await layerErrors(file, source);
      assert.equal(errors.length, 1, `expected one layer error, got: ${JSON.stringify(errors)}`);
    });
  }
  for (const [file, source] of ALLOWED) {
    void it(`allows in ${file}: ${source}`, async () => {
      assert.deepEqual(await layerErrors(file, source), []);
    });
  }
});
