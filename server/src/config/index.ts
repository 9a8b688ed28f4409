/**
 * The project configuration file `.migration-guard.json` and the ONE function that computes the
 * effective lint options for a file, shared by the CLI (`check`) and the language server so both give
 * the same answers (squawk#679 is the complaint this avoids).
 *
 * Precedence: the nearest `.migration-guard.json` (searched upward from the file, stopping at the
 * workspace folder or the filesystem root) first; the editor's `migrationGuard.*` settings only when
 * there is no config file; the CLI's `--dialect` flag overrides the dialect of both.
 *
 * The JSON schema in `schemas/migration-guard.schema.json` declares the same shape as
 * {@link configShape}; a unit test checks that they agree. Validation is by hand (no schema library).
 * No `vscode` imports here.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import picomatch from 'picomatch';
import { resolveDialect } from '../dialect';
import type { Dialect, Severity } from '../protocol';
import { defaultSettings, isIncluded, type DialectSetting, type Settings } from '../settings';
import { DEFAULT_POSTGRES_VERSION } from '../lint/types';

/** File name of the project configuration. */
export const CONFIG_FILE_NAME = '.migration-guard.json';

/** A rule's configured severity; `off` disables it. */
export type RuleSetting = Severity | 'off';

/** Contents of `.migration-guard.json`, validated. Every key is optional. */
export interface ProjectConfig {
  /** Editor hint, ignored by the loader. */
  $schema?: string;
  dialect?: DialectSetting;
  /** Severity per rule id. */
  rules?: Record<string, RuleSetting>;
  /** Globs relative to the config file's folder. */
  include?: string[];
  /** Globs relative to the config file's folder. */
  exclude?: string[];
  /** PostgreSQL major version the migrations run on; default {@link DEFAULT_POSTGRES_VERSION}. */
  postgresVersion?: number;
  /**
   * Tables whose data the team can never lose (accounts, API keys, payments): `table` or `schema.table`, compared
   * case-insensitively. A destructive finding on one is an error ({@link protectFindings}); an upgrade or downgrade
   * touching one is refused even with `--allow-unsafe` unless the table is named with `--allow-unsafe-table`.
   */
  protectedTables?: string[];
}

/** A loaded configuration file. */
export interface LoadedConfig {
  /** Absolute path of the `.migration-guard.json` file. */
  file: string;
  /** Folder holding it: base of its globs. */
  dir: string;
  config: ProjectConfig;
}

/**
 * Extensions of files linted as migrations when found in a folder (`.py`: Alembic revisions). The CLI walks
 * directories for these; the language server uses them to find a file's siblings for the folder rules.
 */
export const LINT_EXTENSIONS: readonly string[] = ['.sql', '.js', '.ts', '.cjs', '.mjs', '.py'];

/** Default PostgreSQL major version when the config does not say (declared once, by the analyzer). */
export { DEFAULT_POSTGRES_VERSION };

/** Accepted dialect values. */
export const DIALECT_VALUES: readonly DialectSetting[] = ['auto', 'postgresql', 'sqlite'];
/** Accepted rule severities. */
export const RULE_SETTING_VALUES: readonly RuleSetting[] = ['off', 'info', 'warning', 'error'];
/** Rule ids: lower-case words joined by `-`. */
export const RULE_ID_PATTERN = /^[a-z0-9][a-z0-9-]*$/;

/** Defaults used for a key a config file leaves out: the editor's defaults (server/src/settings.ts). */
export const configDefaults = {
  dialect: 'auto' as DialectSetting,
  rules: {} as Record<string, RuleSetting>,
  include: [...defaultSettings.include],
  exclude: [...defaultSettings.exclude],
  postgresVersion: DEFAULT_POSTGRES_VERSION,
};

/**
 * The declared shape, key by key, mirrored by the JSON schema (`type`, `enum`, bounds). The
 * validator below walks this table; the schema test compares it with the schema file.
 */
export const configShape = {
  $schema: { type: 'string' },
  dialect: { type: 'string', enum: DIALECT_VALUES },
  rules: { type: 'object', valueEnum: RULE_SETTING_VALUES, keyPattern: RULE_ID_PATTERN },
  include: { type: 'array', items: 'string' },
  exclude: { type: 'array', items: 'string' },
  postgresVersion: { type: 'number', minimum: 9, maximum: 100 },
  protectedTables: { type: 'array', items: 'string' },
} as const;

/** An invalid or unreadable configuration file. `message` names the file and the offending key. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  /** Absolute path of the file. */
  readonly file: string;
  constructor(file: string, message: string) {
    super(`${file}: ${message}`);
    this.file = file;
  }
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'string' ? JSON.stringify(value) : `a ${typeof value}`;
}

/**
 * Validates parsed JSON against {@link configShape}.
 * @param file used in error messages only.
 * @throws ConfigError naming the first offending key (unknown key, wrong type, value not allowed).
 */
export function validateConfig(raw: unknown, file: string): ProjectConfig {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new ConfigError(file, `the configuration must be a JSON object, not ${describe(raw)}.`);
  }
  const input = raw as Record<string, unknown>;
  const known = Object.keys(configShape);
  for (const [key, value] of Object.entries(input)) {
    if (!Object.hasOwn(configShape, key)) {
      throw new ConfigError(file, `unknown key "${key}" (allowed: ${known.join(', ')}).`);
    }
    const shape = configShape[key as keyof typeof configShape];
    switch (shape.type) {
      case 'string':
        if (typeof value !== 'string') throw new ConfigError(file, `"${key}" must be a string, not ${describe(value)}.`);
        if ('enum' in shape && !shape.enum.includes(value as DialectSetting)) {
          throw new ConfigError(file, `"${key}" must be one of ${shape.enum.join(', ')}, not ${describe(value)}.`);
        }
        break;
      case 'array':
        if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) {
          throw new ConfigError(file, `"${key}" must be an array of ${key === 'protectedTables' ? 'table names' : 'glob strings'}.`);
        }
        break;
      case 'number':
        if (typeof value !== 'number' || !Number.isFinite(value)) throw new ConfigError(file, `"${key}" must be a number, not ${describe(value)}.`);
        if (value < shape.minimum || value > shape.maximum) throw new ConfigError(file, `"${key}" must be between ${shape.minimum} and ${shape.maximum}, not ${value}.`);
        break;
      case 'object': {
        if (value === null || typeof value !== 'object' || Array.isArray(value)) {
          throw new ConfigError(file, `"${key}" must be an object of rule id to severity, not ${describe(value)}.`);
        }
        for (const [id, severity] of Object.entries(value as Record<string, unknown>)) {
          if (!shape.keyPattern.test(id)) throw new ConfigError(file, `"${key}": "${id}" is not a rule id (lower-case words joined by -).`);
          if (typeof severity !== 'string' || !shape.valueEnum.includes(severity as RuleSetting)) {
            throw new ConfigError(file, `"${key}.${id}" must be one of ${shape.valueEnum.join(', ')}, not ${describe(severity)}.`);
          }
        }
        break;
      }
    }
  }
  return input as ProjectConfig;
}

/**
 * Reads and validates one configuration file.
 * @throws ConfigError when it cannot be read, is not JSON, or does not match the schema.
 */
export function loadConfigFile(file: string): LoadedConfig {
  const abs = path.resolve(file);
  let text: string;
  try {
    text = fs.readFileSync(abs, 'utf8');
  } catch (error) {
    throw new ConfigError(abs, `cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)}).`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch (error) {
    throw new ConfigError(abs, `is not valid JSON (${error instanceof Error ? error.message : String(error)}).`);
  }
  return { file: abs, dir: path.dirname(abs), config: validateConfig(raw, abs) };
}

/**
 * Caches lookups and parsed files (including parse errors) for one CLI run or until the language
 * server sees `.migration-guard.json` change. Call `clear()` on such a change.
 */
export class ConfigCache {
  private readonly lookups = new Map<string, string | null>();
  private readonly loaded = new Map<string, LoadedConfig | ConfigError>();

  /** Forgets everything. */
  clear(): void {
    this.lookups.clear();
    this.loaded.clear();
  }

  /** Nearest config file at or above `dir` (stopping at `stopDir`, inclusive), or null. */
  find(dir: string, stopDir?: string): string | null {
    const key = `${dir}\0${stopDir ?? ''}`;
    let hit = this.lookups.get(key);
    if (hit === undefined) {
      hit = findConfigFile(dir, stopDir);
      this.lookups.set(key, hit);
    }
    return hit;
  }

  /** The loaded file. @throws ConfigError (cached too). */
  load(file: string): LoadedConfig {
    let hit = this.loaded.get(file);
    if (hit === undefined) {
      try {
        hit = loadConfigFile(file);
      } catch (error) {
        if (!(error instanceof ConfigError)) throw error;
        hit = error;
      }
      this.loaded.set(file, hit);
    }
    if (hit instanceof ConfigError) throw hit;
    return hit;
  }
}

/**
 * Finds `.migration-guard.json` at or above `startDir`, stopping at `stopDir` (inclusive) when given
 * and `startDir` is inside it, else at the filesystem root.
 * @returns absolute path, or null.
 */
export function findConfigFile(startDir: string, stopDir?: string): string | null {
  let dir = path.resolve(startDir);
  const stop = stopDir ? path.resolve(stopDir) : undefined;
  for (;;) {
    const candidate = path.join(dir, CONFIG_FILE_NAME);
    try {
      if (fs.statSync(candidate).isFile()) return candidate;
    } catch {
      // not here
    }
    const parent = path.dirname(dir);
    if (dir === stop || parent === dir) return null;
    dir = parent;
  }
}

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
}

/**
 * The rule options of the config file that applies to `filePath` (nearest `.migration-guard.json` upward, no
 * stop), as {@link effectiveOptions} gives them: what the safe upgrade lints pending migrations with, so that it
 * and `migration-guard check` agree. Include/exclude are not applied there: every migration Knex will run is linted.
 * @throws ConfigError when that config file is invalid.
 */
export function ruleOptionsFor(filePath: string, cache: ConfigCache = new ConfigCache()): RuleOptions {
  const configFile = cache.find(path.dirname(path.resolve(filePath)));
  return configFile ? ruleOptionsOf(cache.load(configFile).config) : { rules: {}, postgresVersion: DEFAULT_POSTGRES_VERSION, protectedTables: [] };
}

function ruleOptionsOf(config: ProjectConfig): RuleOptions {
  return { rules: { ...(config.rules ?? {}) }, postgresVersion: config.postgresVersion ?? DEFAULT_POSTGRES_VERSION, protectedTables: [...(config.protectedTables ?? [])] };
}

/**
 * Rules whose findings mean data may be lost (the same set as migrations/preflight.ts DESTRUCTIVE_RULES): on a
 * protected table they are errors.
 */
const DATA_LOSS_RULES: ReadonlySet<string> = new Set(['ban-drop-table', 'ban-truncate', 'ban-drop-column', 'sqlite-table-rebuild', 'changing-column-type', 'ban-delete-without-where', 'ban-drop-database']);

/** Whether `table` (`t` or `s.t`, as SQL or the pre-flight names it) is one of `protectedTables` (case-insensitive; `s.t` matches `t` and back). */
export function isProtectedTable(table: string, protectedTables: readonly string[]): boolean {
  const name = table.toLowerCase();
  const last = name.split('.').pop() ?? name;
  return protectedTables.some((p) => {
    const q = p.trim().toLowerCase();
    return q === name || q === last || (q.split('.').pop() ?? q) === name;
  });
}

/**
 * The protected tables a finding of a data-loss rule names. The analyzer's findings carry no table field: the
 * rules quote the names in their messages (`DROP TABLE "accounts" …`, `Dropping column "c" from "accounts"`),
 * so the quoted names are matched (a column spelled like a protected table also matches: fail closed).
 */
export function protectedTablesNamed(finding: { ruleId: string; message: string }, protectedTables: readonly string[]): string[] {
  if (protectedTables.length === 0 || !DATA_LOSS_RULES.has(finding.ruleId)) return [];
  const names = [...finding.message.matchAll(/"((?:[^"]|"")+)"/g)].map((m) => (m[1] ?? '').replace(/""/g, '"'));
  return [...new Set(names.filter((n) => isProtectedTable(n, protectedTables)))];
}

/**
 * `findings` with every finding of a data-loss rule on a protected table raised to `error` and its message saying
 * so. Used by `check`, the language server and the safe upgrade alike. Returns new objects; others unchanged.
 */
export function protectFindings<T extends { ruleId: string; severity: string; message: string }>(findings: T[], protectedTables: readonly string[]): T[] {
  if (protectedTables.length === 0) return findings;
  return findings.map((f) => {
    const hit = protectedTablesNamed(f, protectedTables);
    if (hit.length === 0) return f;
    return { ...f, severity: 'error', message: `${f.message} ${hit.map((t) => `"${t}"`).join(', ')} is a protected table (.migration-guard.json protectedTables).` };
  });
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
    included,
    configFile: null,
  };
}
