/**
 * The project configuration file `.migration-guard.json`: its declared shape, validation, loading and the upward
 * search for it, with a cache. How a file is then linted (precedence of config file, editor settings and
 * `--dialect`) is lint-options.ts.
 *
 * The JSON schema in `schemas/migration-guard.schema.json` declares the same shape as
 * {@link configShape}; a unit test checks that they agree. Validation is by hand (no schema library).
 * No `vscode` imports here.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Severity } from '../protocol';
import { defaultSettings, DIALECT_VALUES, type DialectSetting } from './settings';
import { DEFAULT_POSTGRES_VERSION } from '../lint/types';
import { DEFAULT_LARGE_TABLE_ROWS, DEFAULT_SMALL_TABLE_ROWS } from './table-sizes';

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
  /** With table statistics (`check --stats`): lock findings on tables with fewer rows are `info`; default 10,000. */
  smallTableRows?: number;
  /** With table statistics: lock findings on tables with at least this many rows are errors; default 1,000,000. */
  largeTableRows?: number;
}

/** A loaded configuration file. */
export interface LoadedConfig {
  /** Absolute path of the `.migration-guard.json` file. */
  file: string;
  /** Folder holding it: base of its globs. */
  dir: string;
  config: ProjectConfig;
}

/** Default PostgreSQL major version when the config does not say (declared once, by the analyzer). */
export { DEFAULT_POSTGRES_VERSION };

/** Accepted rule severities. */
export const RULE_SETTING_VALUES: readonly RuleSetting[] = ['off', 'info', 'warning', 'error'];
/** Rule ids: lower-case words joined by `-`. */
export const RULE_ID_PATTERN = /^[a-z0-9][a-z0-9-]*$/;

/** Defaults used for a key a config file leaves out: the editor's defaults (settings.ts). */
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
  smallTableRows: { type: 'number', minimum: 0, maximum: 1e15 },
  largeTableRows: { type: 'number', minimum: 0, maximum: 1e15 },
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
  const small = input.smallTableRows as number | undefined;
  const large = input.largeTableRows as number | undefined;
  if ((small ?? DEFAULT_SMALL_TABLE_ROWS) > (large ?? DEFAULT_LARGE_TABLE_ROWS)) {
    throw new ConfigError(file, `"smallTableRows" (${small ?? DEFAULT_SMALL_TABLE_ROWS}) must not be above "largeTableRows" (${large ?? DEFAULT_LARGE_TABLE_ROWS}).`);
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
