/**
 * The ONE function that computes the effective lint options for a file, shared by the CLI (`check`), the language
 * server and the safe upgrade so all give the same answers (squawk#679 is the complaint this avoids).
 *
 * Precedence: the nearest `.migration-guard.json` (searched upward from the file, stopping at the
 * workspace folder or the filesystem root) first; the editor's `migrationGuard.*` settings only when
 * there is no config file; the CLI's `--dialect` flag overrides the dialect of both.
 */
import * as path from 'node:path';
import picomatch from 'picomatch';
import type { Dialect } from '../protocol';
import { DEFAULT_POSTGRES_VERSION } from '../lint/types';
import { resolveDialect } from './dialect';
import { configDefaults, ConfigCache, type ProjectConfig, type RuleSetting } from './project-file';
import { isIncluded, type DialectSetting, type Settings } from './settings';
import { DEFAULT_LARGE_TABLE_ROWS, DEFAULT_SMALL_TABLE_ROWS, type TableSizeThresholds } from './table-sizes';

/**
 * Extensions of files linted as migrations when found in a folder (`.py`: Alembic revisions). The CLI walks
 * directories for these; the language server uses them to find a file's siblings for the folder rules.
 */
export const LINT_EXTENSIONS: readonly string[] = ['.sql', '.js', '.ts', '.cjs', '.mjs', '.py'];

/** What {@link effectiveOptions} needs to know about a file. */
export interface EffectiveOptionsInput {
  /** Absolute path of the file to lint. */
  filePath: string;
  /** Workspace folder (the language server) or none (the CLI: search up to the root). */
  stopDir?: string;
  /**
   * Editor settings, used only when no config file applies. Omitted (the CLI): no include/exclude
   * filtering without a config file, and dialect `auto`.
   */
  settings?: Settings;
  /** `--dialect` from the command line: overrides config and settings. */
  dialectOverride?: DialectSetting;
  /** Shared cache; a fresh lookup without one. */
  cache?: ConfigCache;
}

/** The options to lint one file with. */
export interface EffectiveOptions {
  /** Resolved dialect (`auto` already resolved through the nearest knexfile). */
  dialect: Dialect;
  /** Severity overrides for `analyze(text, { rules })`. */
  rules: Record<string, RuleSetting>;
  /** PostgreSQL major version. */
  postgresVersion: number;
  /** Tables whose data may never be lost (see {@link ProjectConfig.protectedTables}). */
  protectedTables: string[];
  /** `smallTableRows` / `largeTableRows` (with table statistics, table size decides lock findings' severity). */
  tableSizeThresholds: TableSizeThresholds;
  /** Whether include/exclude select this file. */
  included: boolean;
  /** The config file used, or null when settings/defaults applied. */
  configFile: string | null;
}

function matches(globs: readonly string[], relative: string): boolean {
  return globs.length > 0 && picomatch(globs as string[], { dot: true })(relative);
}

/** A file's rule severities and PostgreSQL version: from its config file, else none and the default version. */
export interface RuleOptions {
  rules: Record<string, RuleSetting>;
  postgresVersion: number;
  /** `protectedTables` of the config file; empty without one. */
  protectedTables: string[];
  /** `smallTableRows` / `largeTableRows` of the config file; the defaults without one. */
  tableSizeThresholds: TableSizeThresholds;
}

/**
 * The rule options of the config file that applies to `filePath` (nearest `.migration-guard.json` upward, no
 * stop), as {@link effectiveOptions} gives them: what the safe upgrade lints pending migrations with, so that it
 * and `migration-guard check` agree. Include/exclude are not applied there: every migration Knex will run is linted.
 * @throws ConfigError when that config file is invalid.
 */
export function ruleOptionsFor(filePath: string, cache: ConfigCache = new ConfigCache()): RuleOptions {
  const configFile = cache.find(path.dirname(path.resolve(filePath)));
  return configFile ? ruleOptionsOf(cache.load(configFile).config) : { rules: {}, postgresVersion: DEFAULT_POSTGRES_VERSION, protectedTables: [], tableSizeThresholds: defaultThresholds() };
}

function ruleOptionsOf(config: ProjectConfig): RuleOptions {
  return {
    rules: { ...(config.rules ?? {}) },
    postgresVersion: config.postgresVersion ?? DEFAULT_POSTGRES_VERSION,
    protectedTables: [...(config.protectedTables ?? [])],
    tableSizeThresholds: { smallTableRows: config.smallTableRows ?? DEFAULT_SMALL_TABLE_ROWS, largeTableRows: config.largeTableRows ?? DEFAULT_LARGE_TABLE_ROWS },
  };
}

function defaultThresholds(): TableSizeThresholds {
  return { smallTableRows: DEFAULT_SMALL_TABLE_ROWS, largeTableRows: DEFAULT_LARGE_TABLE_ROWS };
}

/**
 * The ONE function computing how a file is linted, used by `migration-guard check` and the language
 * server alike. See the module comment for precedence.
 * @throws ConfigError when the applicable config file is invalid (callers report it clearly).
 */
export function effectiveOptions(input: EffectiveOptionsInput): EffectiveOptions {
  const filePath = path.resolve(input.filePath);
  const cache = input.cache ?? new ConfigCache();
  const configFile = cache.find(path.dirname(filePath), input.stopDir);
  if (configFile) {
    const { dir, config } = cache.load(configFile);
    const relative = path.relative(dir, filePath).split(path.sep).join('/');
    const include = config.include ?? configDefaults.include;
    const exclude = config.exclude ?? configDefaults.exclude;
    const setting = input.dialectOverride ?? config.dialect ?? configDefaults.dialect;
    return {
      dialect: resolveDialect(setting, filePath, input.stopDir),
      ...ruleOptionsOf(config),
      included: !relative.startsWith('../') && !matches(exclude, relative) && matches(include, relative),
      configFile,
    };
  }
  const settings = input.settings;
  let included = true;
  if (settings) {
    included = isIncluded(input.stopDir ? path.relative(input.stopDir, filePath) : filePath, settings);
  }
  return {
    dialect: resolveDialect(input.dialectOverride ?? settings?.dialect ?? 'auto', filePath, input.stopDir),
    rules: {},
    postgresVersion: DEFAULT_POSTGRES_VERSION,
    protectedTables: [],
    tableSizeThresholds: defaultThresholds(),
    included,
    configFile: null,
  };
}
