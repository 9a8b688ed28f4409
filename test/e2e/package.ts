/** The .vsix the end-to-end tests install. */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * MG_E2E_VSIX as is, else `<root>/dist/migration-guard.vsix`, packaged first (`npm run package`) when missing or
 * older than the bundles or the manifest. @throws when the bundles are missing or packaging fails.
 */
export function packagedExtension(root: string, log: (line: string) => void): string {
  if (process.env.MG_E2E_VSIX) return path.resolve(process.env.MG_E2E_VSIX);
  const vsix = path.join(root, 'dist', 'migration-guard.vsix');
  const inputs = ['dist/client.js', 'dist/server.js', 'dist/cli.js', 'package.json'].map((f) => path.join(root, f));
  const missing = inputs.filter((f) => !fs.existsSync(f));
  if (missing.length > 0) throw new Error(`Build first (node esbuild.mjs): missing ${missing.join(', ')}`);
  const newest = Math.max(...inputs.map((f) => fs.statSync(f).mtimeMs));
  if (!fs.existsSync(vsix) || fs.statSync(vsix).mtimeMs < newest) {
    log('packaging dist/migration-guard.vsix (missing or older than the bundles)');
    const result = spawnSync('npm', ['run', '--silent', 'package'], { cwd: root, encoding: 'utf8' });
    if (result.status !== 0) throw new Error(`npm run package failed (${result.status ?? result.signal}):\n${result.stdout}\n${result.stderr}`);
  }
  return vsix;
}
