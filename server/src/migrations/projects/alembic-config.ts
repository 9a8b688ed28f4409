/**
 * What an `alembic.ini` says, read as text (no Python): where the revision files are and which database URL
 * Alembic would use. Source: Alembic docs, "Tutorial → Editing the .ini File" (`script_location`,
 * `version_locations`, `version_path_separator` / `path_separator`, `sqlalchemy.url`, `%(here)s`).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { iniValue, parseIni } from './ini';

/** An `alembic.ini` as read by {@link readAlembicIni}. */
export interface AlembicIni {
  /** The ini file (absolute). */
  file: string;
  /** `script_location` resolved against the ini's folder; undefined when absent or a `package:resource` path. */
  scriptLocation: string | undefined;
  /** Folders holding revision files (absolute): `version_locations`, else `<script_location>/versions`. */
  versionLocations: string[];
  /** `recursive_version_locations = true`: revision files are also searched in subfolders. */
  recursive: boolean;
  /**
   * `sqlalchemy.url` after `%(…)s` interpolation and `${NAME}` / `$NAME` environment references; undefined
   * when absent (env.py then builds it in Python, which we do not run) or when the variable is unset.
   */
  url: string | undefined;
  /** Where `url` came from, e.g. `sqlalchemy.url in alembic.ini` or `environment variable DATABASE_URL`. */
  urlSource: string;
  /** Why something could not be read (shown beside the result), if anything. */
  note?: string;
}

/** Splits `version_locations` the way Alembic's Config does for the ini's separator setting. */
function splitLocations(value: string, separator: string | undefined): string[] {
  let parts: string[];
  switch (separator?.trim()) {
    case ':':
      parts = value.split(':');
      break;
    case ';':
      parts = value.split(';');
      break;
    case 'space':
      parts = value.split(/ +/);
      break;
    case 'newline':
      parts = value.split(/\n/);
      break;
    case 'os':
      parts = value.split(path.delimiter);
      break;
    default:
      // No separator setting: Alembic's legacy split on commas and spaces (alembic/config.py _split_on_space_comma).
      parts = value.split(/, *| +|\n/);
  }
  return parts.map((p) => p.trim()).filter((p) => p !== '');
}

/**
 * Reads an `alembic.ini` (the `[alembic]` section). Relative paths are resolved against the ini's folder (the
 * folder `alembic` is normally run from). `env` supplies `${NAME}` references in `sqlalchemy.url`.
 * Never throws: an unreadable file gives empty locations and a `note`.
 */
export function readAlembicIni(file: string, env: NodeJS.ProcessEnv = process.env): AlembicIni {
  const abs = path.resolve(file);
  const here = path.dirname(abs);
  let text: string;
  try {
    text = fs.readFileSync(abs, 'utf8');
  } catch (err) {
    return { file: abs, scriptLocation: undefined, versionLocations: [], recursive: false, url: undefined, urlSource: 'none', note: `alembic.ini could not be read: ${(err as Error).message}` };
  }
  const ini = parseIni(text);
  const vars = { here };
  const get = (key: string) => iniValue(ini, 'alembic', key, vars);
  const notes: string[] = [];
  const rawScript = get('script_location');
  let scriptLocation: string | undefined;
  if (rawScript === undefined) notes.push('alembic.ini has no script_location.');
  else if (/^[A-Za-z_][\w.]*:(?![\\/])/.test(rawScript)) notes.push(`script_location ${rawScript} is a Python package resource; its folder was not resolved.`);
  else scriptLocation = path.resolve(here, rawScript);
  const rawVersions = get('version_locations');
  const separator = get('path_separator') ?? get('version_path_separator');
  const versionLocations = rawVersions !== undefined ? splitLocations(rawVersions, separator).map((p) => path.resolve(here, p)) : scriptLocation ? [path.join(scriptLocation, 'versions')] : [];

  let url = get('sqlalchemy.url');
  let urlSource = 'sqlalchemy.url in alembic.ini';
  const envRef = url === undefined ? undefined : /^\$\{?([A-Za-z_]\w*)\}?$|^%\(([A-Za-z_]\w*)\)s$/.exec(url.trim());
  if (envRef) {
    const name = envRef[1] ?? envRef[2]!;
    urlSource = `environment variable ${name}`;
    url = env[name];
    if (url === undefined) notes.push(`sqlalchemy.url names the environment variable ${name}, which is not set.`);
  } else if (url === undefined || url.trim() === '') {
    url = undefined;
    urlSource = 'none';
  }
  const recursive = /^(true|yes|on|1)$/i.test(get('recursive_version_locations')?.trim() ?? '');
  return { file: abs, scriptLocation, versionLocations, recursive, url, urlSource, ...(notes.length ? { note: notes.join(' ') } : {}) };
}
