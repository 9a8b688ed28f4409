/**
 * The settings schema, declared once. The language server reads settings through it, the CLI
 * uses the same defaults, and a unit test checks that `contributes.configuration` in package.json
 * is exactly what {@link contributedConfiguration} produces (run `npm run sync-settings` to regenerate).
 */
import picomatch from 'picomatch';
import { DEFAULT_CONNECT_TIMEOUT_SECONDS, type Dialect } from '../protocol';

/** Dialect setting: `auto` picks SQLite when the nearest knexfile names a SQLite client (without a knexfile: when the nearest package.json depends on sqlite3 / better-sqlite3 and no PostgreSQL driver), else PostgreSQL. */
export type DialectSetting = Dialect | 'auto';

/** Accepted dialect values, in the editor settings, `.migration-guard.json` and the CLI's `--dialect` alike. */
export const DIALECT_VALUES: readonly DialectSetting[] = ['auto', 'postgresql', 'sqlite'];

/** Every setting, typed, with the defaults the schema declares. */
export interface Settings {
  dialect: DialectSetting;
  /** Globs (relative to the workspace folder, or matched against any path suffix) of files to lint. */
  include: string[];
  /** Globs of files never to lint. */
  exclude: string[];
  /** Knexfile path, relative to the workspace folder; empty = search upward like the knex CLI. */
  knexfile: string;
  /** Knex environment; empty = `NODE_ENV`, else `development`. */
  environment: string;
  /** Show the PostgreSQL lock mode of each lock finding as an inlay hint at its statement (editor only). */
  lockInlayHints: boolean;
  /** Table statistics file (`migration-guard stats --out FILE`), relative to the workspace folder; empty = none (editor only). */
  statsFile: string;
  /** Lint every migration file of the workspace's projects, not only open ones (editor only; at most 5,000 files). */
  lintWorkspace: boolean;
  /** Seconds the editor's engine commands wait for the database to answer (`--connect-timeout`; editor only, the CLI takes the flag). */
  connectTimeout: number;
}

interface PropertySchema {
  type: string;
  default: unknown;
  description: string;
  enum?: string[];
  enumDescriptions?: string[];
  items?: { type: string };
  minimum?: number;
  scope?: string;
}

/** Schema of each setting, keyed without the `migrationGuard.` prefix. Source of truth for package.json. */
export const settingsSchema: Record<keyof Settings, PropertySchema> = {
  dialect: {
    type: 'string',
    enum: [...DIALECT_VALUES],
    enumDescriptions: [
      'SQLite when the nearest knexfile uses a SQLite client (without a knexfile: when the nearest package.json depends on sqlite3 or better-sqlite3 and on no PostgreSQL driver), else PostgreSQL.',
      'PostgreSQL (parsed with PostgreSQL 18\'s own grammar).',
      'SQLite.',
    ],
    default: 'auto',
    description: 'SQL dialect used to parse and check migrations.',
    scope: 'resource',
  },
  include: {
    type: 'array',
    items: { type: 'string' },
    default: ['**/*.sql', '**/migrations/**/*.{js,cjs,mjs,ts}', '**/{migrations,versions}/**/*.py'],
    description: 'Glob patterns of migration files to check. SQL files anywhere; JavaScript/TypeScript (Knex, node-pg-migrate) in a migrations folder; Python (Alembic) in a migrations or versions folder.',
    scope: 'resource',
  },
  exclude: {
    type: 'array',
    items: { type: 'string' },
    default: ['**/node_modules/**'],
    description: 'Glob patterns of files never to check.',
    scope: 'resource',
  },
  knexfile: {
    type: 'string',
    default: '',
    description: 'Path of the knexfile, relative to the workspace folder. Empty: search upward from the folder, as the knex CLI does.',
    scope: 'resource',
  },
  environment: {
    type: 'string',
    default: '',
    description: 'Knex environment to use. Empty: NODE_ENV, else "development".',
    scope: 'resource',
  },
  lockInlayHints: {
    type: 'boolean',
    default: false,
    description: 'Show the PostgreSQL table lock a finding\'s statement takes (e.g. ACCESS EXCLUSIVE) as an inlay hint at the statement. The hover shows it either way.',
    scope: 'resource',
  },
  statsFile: {
    type: 'string',
    default: '',
    description: 'Table statistics file written by `migration-guard stats --out FILE`, relative to the workspace folder. With it, findings about a table show its size, and lock findings become information below smallTableRows and errors from largeTableRows (.migration-guard.json), as `check --stats` does. Empty: none.',
    scope: 'resource',
  },
  lintWorkspace: {
    type: 'boolean',
    default: true,
    description: 'Show the problems of every migration file in the workspace\'s projects (their migrations folders, as `migration-guard projects` finds them), not only of open files. Linted in the background after start and again when a file changes on disk; at most 5,000 files.',
    scope: 'resource',
  },
  connectTimeout: {
    type: 'number',
    default: DEFAULT_CONNECT_TIMEOUT_SECONDS,
    minimum: 1,
    description: 'Seconds to wait for the database to answer before the Revisions view (and every command) reports it unreachable. A read that takes more than 2 s shows a notification with Cancel.',
    scope: 'resource',
  },
};

/** The section name under which every setting lives. */
export const settingsSection = 'migrationGuard';

/** Default settings, derived from the schema. */
export const defaultSettings: Settings = Object.fromEntries(
  Object.entries(settingsSchema).map(([key, schema]) => [key, schema.default]),
) as unknown as Settings;

/**
 * Merges a partial (possibly untrusted, possibly ill-typed) settings object over the defaults,
 * keeping only values of the declared type.
 */
export function normalizeSettings(raw: unknown): Settings {
  const result: Settings = { ...defaultSettings };
  if (!raw || typeof raw !== 'object') return result;
  const input = raw as Record<string, unknown>;
  const mutable = result as unknown as Record<string, unknown>;
  for (const [key, schema] of Object.entries(settingsSchema)) {
    const value = input[key];
    if (value === undefined || value === null) continue;
    if (schema.type === 'array' && Array.isArray(value) && value.every((v) => typeof v === 'string')) mutable[key] = value;
    else if (schema.type === 'string' && typeof value === 'string' && (!schema.enum || schema.enum.includes(value))) mutable[key] = value;
    else if (schema.type === 'boolean' && typeof value === 'boolean') mutable[key] = value;
    else if (schema.type === 'number' && typeof value === 'number' && Number.isFinite(value) && value >= (schema.minimum ?? -Infinity)) mutable[key] = value;
  }
  return result;
}

/** `contributes.configuration` for package.json, generated from {@link settingsSchema}. */
export function contributedConfiguration(): { title: string; properties: Record<string, PropertySchema> } {
  const properties: Record<string, PropertySchema> = {};
  for (const [key, schema] of Object.entries(settingsSchema)) properties[`${settingsSection}.${key}`] = schema;
  return { title: 'Migration Guard', properties };
}

/**
 * Whether a file is one the settings ask to check.
 * @param relativePath path relative to the workspace folder, `/`-separated; an absolute path also works
 *   because patterns starting with `**` match any suffix.
 */
export function isIncluded(relativePath: string, settings: Pick<Settings, 'include' | 'exclude'>): boolean {
  const path = relativePath.replace(/\\/g, '/');
  const options = { dot: true };
  if (settings.exclude.length && picomatch(settings.exclude, options)(path)) return false;
  return settings.include.length > 0 && picomatch(settings.include, options)(path);
}
