import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/**
 * The layers of server/src (issue 14; README, Development): protocol <- lint <- config <- migrations <- cli / lsp,
 * with startup/ (code cache, lint cache, launcher) beside the adapters: the engine takes what it needs as hooks.
 * Each layer may import only the layers below it; nothing on the server imports the editor. A relative import
 * whose path names a forbidden folder is an error (test/unit/layers.test.ts proves the rule fails).
 */
export const LAYERS = {
  protocol: [],
  lint: ['protocol'],
  config: ['protocol', 'lint'],
  migrations: ['protocol', 'lint', 'config'],
  cli: ['protocol', 'lint', 'config', 'migrations', 'startup'],
  lsp: ['protocol', 'lint', 'config', 'migrations'],
  startup: ['protocol', 'lint', 'config', 'migrations', 'cli'],
};

function layerRules() {
  const all = Object.keys(LAYERS);
  return Object.entries(LAYERS).map(([layer, allowed]) => {
    const forbidden = all.filter((other) => other !== layer && !allowed.includes(other));
    const patterns = [{ group: ['vscode', 'vscode-languageclient*', ...(layer === 'lsp' ? [] : ['vscode-languageserver*'])], message: 'The server never imports the editor (the language server alone speaks LSP).' }];
    if (forbidden.length > 0) {
      patterns.push({
        regex: `^(?:\\.\\./)+(?:[^/]+/)*?(?:${forbidden.join('|')})(?:/|$)`,
        message: `${layer}/ may import only ${allowed.length ? allowed.join(', ') : 'nothing else in server/src'} (layers: protocol <- lint <- config <- migrations <- cli / lsp; startup beside the adapters).`,
      });
    }
    return { files: [`server/src/${layer}/**/*.ts`], rules: { 'no-restricted-imports': ['error', { patterns }] } };
  });
}

export default tseslint.config(
  { ignores: ['dist/**', 'out/**', 'node_modules/**', 'examples/**', 'test/fixtures/**', '**/*.d.ts', '.vscode-test/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      // node:test's test()/describe() return promises the runner itself awaits.
      '@typescript-eslint/no-floating-promises': ['error', { allowForKnownSafeCalls: [{ from: 'package', package: 'node:test', name: ['test', 'it', 'describe', 'suite'] }] }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  ...layerRules(),
  {
    // The extension renders what the engine answers: from server/ it imports the protocol (the contract) only.
    files: ['client/src/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ regex: 'server/src/(?!protocol(/index)?$)', message: 'The extension imports only server/src/protocol from server/.' }] }],
    },
  },
  {
    files: ['**/*.js', '**/*.mjs', '**/*.cjs'],
    languageOptions: { globals: { require: 'readonly', module: 'writable', process: 'readonly', console: 'readonly', __dirname: 'readonly', exports: 'writable', Buffer: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', URL: 'readonly' } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
