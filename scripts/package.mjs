#!/usr/bin/env node
// `npm run package`: the platform-specific .vsix (issue 16), built in a staging folder so that the checkout's dist/
// is left alone and no stale file ships.
//
//   node scripts/package.mjs [--target linux-x64] [--out dist/migration-guard.vsix]
//
// Steps: copy the working tree (git ls-files: tracked and untracked-but-not-ignored files) to a temporary folder,
// build the production bundles there (esbuild.mjs --production, with the checkout's node_modules linked in), then
// replace that link by copies of the production packages (npm ls --omit=dev) and run `vsce package --target`.
// Only what runs is shipped: the packages reachable from package.json's dependencies, minus the install-time
// dependencies of native packages (node-gyp, prebuild-install, tar, node-addon-api, node-gyp-build: they build
// or download a binary at install; the .vsix carries the binary built here), and no build tooling (gyp files,
// Makefiles, C/C++ sources and headers, Python files). Fails when the .vsix is over 5 MB.
// The native sqlite3 binary is the one installed here, so the target must be this machine's platform: build the
// other targets on their own machines (or CI runners) with --target win32-x64, darwin-arm64, linux-arm64, ….
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const arg = (name, def) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : def;
};
/** VS Code's target names (code.visualstudio.com/api/working-with-extensions/publishing-extension#platformspecific-extensions). */
const here = `${process.platform === 'win32' ? 'win32' : process.platform}-${process.arch}`;
const target = arg('target', here);
const out = path.resolve(arg('out', path.join(root, 'dist', 'migration-guard.vsix')));
/** Marketplace limit we hold ourselves to (issue 16). */
const MAX_BYTES = 5 * 1024 * 1024;
/** Packages native modules need only to build or download their binary at install time. */
const INSTALL_ONLY = new Set(['node-gyp', 'prebuild-install', 'tar', 'node-addon-api', 'node-gyp-build']);
/** Files of build tooling, never needed at run time. */
const BUILD_TOOLING = ['**/*.gyp', '**/*.gypi', '**/Makefile', '**/*.Makefile', 'node_modules/sqlite3/node-addon-api/**', '**/*.mk', '**/*.h', '**/*.hpp', '**/*.c', '**/*.cc', '**/*.cpp', '**/*.py', '**/*.pyc', 'node_modules/sqlite3/build/**', '!node_modules/sqlite3/build/Release/node_sqlite3.node'];

if (target !== here) {
  console.error(`package: --target ${target} needs that platform's native sqlite3 binary; this machine is ${here}. Build it there.`);
  process.exit(2);
}

function run(command, args, options = {}) {
  execFileSync(command, args, { stdio: 'inherit', ...options });
}

/** The folder of package `name` as Node finds it from `fromDir` (node_modules folders upwards), or null. Not require.resolve: a package's `exports` may hide its package.json. */
function packageDir(name, fromDir) {
  for (let dir = fromDir; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'node_modules', name);
    if (fs.existsSync(path.join(candidate, 'package.json'))) return fs.realpathSync(candidate);
    if (path.dirname(dir) === dir) return null;
  }
}

/** Real folders of the packages reachable from `roots` through dependencies and installed optional dependencies. */
function runtimePackages(roots) {
  const seen = new Set();
  const visit = (name, fromDir) => {
    if (INSTALL_ONLY.has(name)) return;
    const dir = packageDir(name, fromDir);
    if (dir === null || seen.has(dir)) return; // null: an optional dependency that is not installed
    seen.add(dir);
    const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'));
    for (const dep of Object.keys({ ...pkg.dependencies, ...pkg.optionalDependencies })) visit(dep, dir);
  };
  for (const name of roots) visit(name, root);
  return seen;
}

const stage = fs.mkdtempSync(path.join(os.tmpdir(), 'mg-package-'));
try {
  // 1. The working tree, as git sees it (node_modules, dist and other ignored files stay out).
  const files = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: root, encoding: 'utf8' }).split('\0').filter(Boolean);
  for (const f of files) {
    const from = path.join(root, f);
    if (!fs.existsSync(from)) continue; // deleted in the working tree
    fs.mkdirSync(path.dirname(path.join(stage, f)), { recursive: true });
    fs.copyFileSync(from, path.join(stage, f));
  }
  // 2. Production bundles, built with every dependency (the bundled ones are devDependencies).
  fs.symlinkSync(path.join(root, 'node_modules'), path.join(stage, 'node_modules'), 'dir');
  run(process.execPath, ['esbuild.mjs', '--production'], { cwd: stage });
  // 3. node_modules: copies of the production packages (vsce reads them with `npm ls --production`).
  const rootPkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
  const keep = runtimePackages(Object.keys(rootPkg.dependencies ?? {}));
  const production = execFileSync('npm', ['ls', '--omit=dev', '--all', '--parseable'], { cwd: root, encoding: 'utf8' }).split('\n').filter((d) => d && path.resolve(d) !== root);
  fs.unlinkSync(path.join(stage, 'node_modules'));
  const excluded = [];
  for (const dir of production) {
    const rel = path.relative(root, dir);
    fs.cpSync(dir, path.join(stage, rel), { recursive: true, dereference: true, filter: (src) => !src.slice(dir.length).includes(`${path.sep}node_modules${path.sep}`) });
    if (!keep.has(fs.realpathSync(dir))) excluded.push(`${rel.split(path.sep).join('/')}/**`);
  }
  // 4. The ignore file: the checkout's, plus the packages not reached at run time and the build tooling.
  const ignore = [fs.readFileSync(path.join(root, '.vscodeignore'), 'utf8'), '# scripts/package.mjs: install-time packages and build tooling', ...excluded, ...BUILD_TOOLING].join('\n');
  fs.writeFileSync(path.join(stage, '.vscodeignore'), `${ignore}\n`);
  fs.mkdirSync(path.dirname(out), { recursive: true });
  const vsce = path.join(root, 'node_modules', '.bin', 'vsce');
  run(vsce, ['package', '--no-yarn', '--target', target, '--allow-missing-repository', '--no-rewrite-relative-links', '-o', out], { cwd: stage });
} finally {
  fs.rmSync(stage, { recursive: true, force: true });
}
const { size } = fs.statSync(out);
console.log(`package: ${out}: ${(size / 1024 / 1024).toFixed(2)} MB (limit ${MAX_BYTES / 1024 / 1024} MB), target ${target}`);
if (size > MAX_BYTES) {
  console.error(`package: the .vsix is over ${MAX_BYTES / 1024 / 1024} MB: look at \`unzip -l ${out}\` for what grew.`);
  process.exit(1);
}
