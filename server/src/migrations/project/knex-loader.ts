/**
 * Which `knex` and which TypeScript loader the engine uses for a project.
 *
 * - Knex: the workspace's own installed `knex` (resolved from the knexfile's folder with
 *   `createRequire`, as the user's `knex` CLI would find it), so that migrations behave exactly as
 *   with the user's CLI; else the `knex` Migration Guard ships with. Reported in ProjectInfo
 *   (`knexVersion`, `knexPath`). Found when the project loads (its package.json), but `require()`d on the
 *   first `factory()` call: Knex is ~340 modules (~0.12 s), and an upgrade of a new database first lints its
 *   migration files, which needs no Knex; commands that never open the database never load it.
 * - TypeScript: `.ts` knexfiles and migrations are `require()`d (Knex does so for migrations), so a
 *   loader must be registered in this process. When none is (`require.extensions['.ts']` absent), the
 *   workspace's `tsx` is registered through `tsx/cjs/api` `register()`, else its `ts-node/register`;
 *   else a `knexfile-load` error says what to install.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { Knex } from 'knex';
import { EngineError, errorMessage } from '../errors';
import { noteProjectLoaderRegistered } from './lasting-state';

/** The Knex a project uses. */
export interface KnexModule {
  /**
   * The `knex(config)` factory; the package is loaded on the first call.
   * @throws EngineError `knexfile-load` when the workspace's knex exists but fails to load.
   */
  factory: (config: Knex.Config) => Knex;
  /** `version` from its package.json. */
  version: string;
  /** Absolute folder of the package. */
  path: string;
  /** True when it is the workspace's own installation. */
  fromWorkspace: boolean;
}

function packageInfo(req: NodeJS.Require): { dir: string; version: string } {
  const pkgJson = req.resolve('knex/package.json');
  const version = String((JSON.parse(readFileSync(pkgJson, 'utf8')) as { version?: unknown }).version ?? 'unknown');
  return { dir: path.dirname(pkgJson), version };
}

/**
 * The `knex` package Node resolves from a file in `fromDir` (node_modules upward): its folder, its version and the
 * `require` that found it; null when there is none (or its package.json is unreadable).
 */
export function findKnexPackage(fromDir: string): { dir: string; version: string; req: NodeJS.Require } | null {
  const req = createRequire(path.join(fromDir, 'noop.js'));
  try {
    return { ...packageInfo(req), req };
  } catch {
    return null;
  }
}

/**
 * A `knex(config)` factory over the knex package in `dir`, which `req` loads on the first call (ESM interop: a
 * `default` export is accepted). `onError` turns a load failure into the error to throw.
 */
function lazyFactory(req: NodeJS.Require, dir: string, onError: (err: unknown) => Error): KnexModule['factory'] {
  let loaded: KnexModule['factory'] | undefined;
  return (config) => {
    if (!loaded) {
      try {
        const mod = req(dir) as { default?: unknown } | ((c: Knex.Config) => Knex);
        const factory = (typeof mod === 'function' ? mod : mod.default) as KnexModule['factory'];
        if (typeof factory !== 'function') throw new Error('it exports no knex() function');
        loaded = factory;
      } catch (err) {
        throw onError(err);
      }
    }
    return loaded(config);
  };
}

let bundled: KnexModule | undefined;

/** The `knex` Migration Guard itself depends on (loaded on the first `factory()` call). */
export function bundledKnexModule(): KnexModule {
  if (!bundled) {
    const req = createRequire(__filename);
    const info = packageInfo(req);
    const factory = lazyFactory(req, info.dir, (err) => new EngineError('driver-missing', `Migration Guard's own knex at ${info.dir} failed to load: ${errorMessage(err)}`, 'Reinstall Migration Guard.', { cause: err }));
    bundled = { factory, version: info.version, path: info.dir, fromWorkspace: false };
  }
  return bundled;
}

/**
 * The workspace's `knex` resolved from `root` (the knexfile's folder) upward; the bundled one when
 * the workspace has none, or when it resolves to the very same folder. Reads package.json files only:
 * a knex that fails to load is reported by the first `factory()` call.
 */
export function resolveKnex(root: string): KnexModule {
  const own = bundledKnexModule();
  const info = findKnexPackage(root);
  if (!info) return own;
  const { req } = info;
  if (path.resolve(info.dir) === path.resolve(own.path)) return own;
  const factory = lazyFactory(req, info.dir, (err) => new EngineError('knexfile-load', `The workspace's knex at ${info.dir} failed to load: ${errorMessage(err)}`, 'Reinstall it (npm install knex) in the project.', { cause: err }));
  return { factory, version: info.version, path: info.dir, fromWorkspace: true };
}

/** Which TypeScript loader is active after {@link ensureTypeScriptLoader}. */
export type TsLoader = 'already-registered' | 'tsx' | 'ts-node';

/** True when `require()` of a `.ts` file works in this process (tsx, ts-node or similar registered). */
export function typeScriptLoadable(): boolean {
  return typeof require !== 'undefined' && '.ts' in require.extensions;
}

/**
 * Makes `.ts` files loadable in this process: nothing when a loader is already registered; else the
 * workspace's `tsx` (`tsx/cjs/api` `register()`), else its `ts-node/register`, resolved from `root`.
 * `what` names the file that needs it, for the error.
 * @throws EngineError `knexfile-load` naming what to install when neither is installed.
 */
export function ensureTypeScriptLoader(root: string, what: string): TsLoader {
  if (typeScriptLoadable()) return 'already-registered';
  const req = createRequire(path.join(root, 'noop.js'));
  try {
    const api = req(req.resolve('tsx/cjs/api')) as { register?: () => unknown };
    if (typeof api.register === 'function') {
      api.register();
      noteProjectLoaderRegistered();
      return 'tsx';
    }
  } catch {
    // not installed: try ts-node
  }
  try {
    req(req.resolve('ts-node/register'));
    noteProjectLoaderRegistered();
    return 'ts-node';
  } catch {
    // not installed either
  }
  throw new EngineError(
    'knexfile-load',
    `${what} is TypeScript, and no TypeScript loader is installed in the project (looked for tsx and ts-node from ${root}).`,
    'Install one in the project: npm install --save-dev tsx (or ts-node), or use JavaScript.',
  );
}
