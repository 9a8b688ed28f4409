/**
 * Project discovery (issue 16): every migration project under a folder, whatever runs it, found by reading
 * files only — knexfiles are code and are NEVER run here (an untrusted workspace must be safe to scan).
 *
 * - Knex: every knexfile (config/knexfile.ts `KNEXFILE_NAMES`); `migrations.directory` is read from the text when it is a string
 *   literal (or an array of them), resolved against the knexfile's folder like the knex CLI does (it chdirs
 *   there, knex lib/bin/cli.js); otherwise Knex's default `./migrations` is reported with `directoryRead: false`.
 * - Alembic: every `alembic.ini`; `script_location` and `version_locations` (see {@link readAlembicIni}).
 * - node-pg-migrate: a `package.json` naming `node-pg-migrate` in its dependencies; the migrations folder from
 *   `-m`/`--migrations-dir` in its scripts, else node-pg-migrate's default `migrations` (also `-t` for the table
 *   and `-d` for the variable holding the database URL).
 * - Plain SQL folders: golang-migrate (`NNN_name.up.sql` / `.down.sql`), Flyway (`V1__name.sql`) and dbmate
 *   (`NNN_name.sql` with `-- migrate:up`), unless the folder already belongs to a project above.
 *
 * `node_modules` and `.git` are never entered, symbolic links are not followed, and a migrations folder is
 * reported once (the first runner in the order above claims it).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { KNEXFILE_NAMES, knexfileIn } from '../../config';
import type { DiscoveredProject, ProjectsResult, SqlFlavor } from '../../protocol';
import { readAlembicIni } from './alembic-config';

/** Folder names never entered: dependencies, VCS data, Python caches and virtual environments. */
const SKIPPED_DIRS = new Set(['node_modules', '.git', '.hg', '.svn', '__pycache__', '.venv', 'venv', '.tox']);

/** Options of {@link discoverProjects}. */
export interface DiscoverOptions {
  /** Deepest folder level entered below the root (default 12). */
  maxDepth?: number;
}

interface WalkResult {
  knexfiles: string[];
  alembicInis: string[];
  packageJsons: string[];
  /** Folder → its `.sql` file names. */
  sqlFiles: Map<string, string[]>;
}

function walk(root: string, maxDepth: number): WalkResult {
  const out: WalkResult = { knexfiles: [], alembicInis: [], packageJsons: [], sqlFiles: new Map() };
  const stack: { dir: string; depth: number }[] = [{ dir: root, depth: 0 }];
  while (stack.length > 0) {
    const { dir, depth } = stack.pop()!;
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      continue; // unreadable folder: nothing to report from it
    }
    const sql: string[] = [];
    for (const e of entries) {
      // Dirent of a symbolic link is neither a file nor a directory: links are not followed (no cycles).
      if (e.isDirectory()) {
        if (!SKIPPED_DIRS.has(e.name) && depth < maxDepth) stack.push({ dir: path.join(dir, e.name), depth: depth + 1 });
      } else if (e.isFile()) {
        const full = path.join(dir, e.name);
        if (KNEXFILE_NAMES.includes(e.name)) out.knexfiles.push(full);
        else if (e.name === 'alembic.ini') out.alembicInis.push(full);
        else if (e.name === 'package.json') out.packageJsons.push(full);
        else if (/\.sql$/i.test(e.name)) sql.push(e.name);
      }
    }
    if (sql.length > 0) out.sqlFiles.set(dir, sql.sort());
  }
  for (const list of [out.knexfiles, out.alembicInis, out.packageJsons]) list.sort();
  return out;
}

function readText(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

/** Text with `//` and block comments blanked (same length), so a commented-out `directory:` is not read. */
function stripJsComments(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\/|(^|[^:\\])\/\/[^\n]*/g, (m, pre: string | undefined) => (pre ?? '') + ' '.repeat(m.length - (pre ?? '').length));
}

/**
 * `migrations.directory` values written as string literals in a knexfile's text (every environment's), or
 * undefined when a `directory:` is computed (a variable, a call, a template with `${…}`) or absent.
 */
export function knexDirectoriesFromText(text: string): string[] | undefined {
  const code = stripJsComments(text);
  const found: string[] = [];
  let computed = false;
  const re = /\bdirectory\s*:\s*/g;
  for (let m = re.exec(code); m; m = re.exec(code)) {
    const rest = code.slice(m.index + m[0].length, m.index + m[0].length + 2000);
    const literal = /^(['"`])([^'"`$\n]*)\1/.exec(rest);
    if (literal) {
      found.push(literal[2]!);
      continue;
    }
    const array = /^\[\s*((?:(['"`])[^'"`$\n]*\2\s*,?\s*)+)\]/.exec(rest);
    if (array) {
      for (const s of array[1]!.matchAll(/(['"`])([^'"`$\n]*)\1/g)) found.push(s[2]!);
      continue;
    }
    computed = true;
  }
  if (computed || found.length === 0) return undefined;
  return [...new Set(found)];
}

function knexProjects(knexfiles: readonly string[]): DiscoveredProject[] {
  return knexfiles.map((file) => {
    const root = path.dirname(file);
    const dirs = knexDirectoriesFromText(readText(file) ?? '');
    const resolved = (dirs ?? ['./migrations']).map((d) => path.resolve(root, d));
    return {
      root,
      runner: 'knex',
      migrationsDirectory: resolved[0]!,
      ...(resolved.length > 1 ? { migrationsDirectories: resolved } : {}),
      config: file,
      directoryRead: dirs !== undefined,
      ...(dirs === undefined ? { note: 'migrations.directory is not a string literal in the knexfile (or is absent): Knex\'s default ./migrations is shown; the knexfile was not run.' } : {}),
    };
  });
}

function alembicProjects(inis: readonly string[]): DiscoveredProject[] {
  return inis.map((file) => {
    const ini = readAlembicIni(file);
    return {
      root: path.dirname(file),
      runner: 'alembic',
      migrationsDirectory: ini.versionLocations[0] ?? path.join(path.dirname(file), 'alembic', 'versions'),
      ...(ini.versionLocations.length > 1 ? { migrationsDirectories: ini.versionLocations } : {}),
      config: file,
      directoryRead: ini.scriptLocation !== undefined,
      ...(ini.note ? { note: ini.note } : {}),
    };
  });
}

/** The value of a node-pg-migrate option (`-m dir`, `--migrations-dir=dir`) in the package.json scripts, if any. */
function npmOption(scripts: Record<string, unknown>, short: string, long: string): string | undefined {
  const re = new RegExp(`(?:^|\\s)(?:-${short}|--${long})(?:\\s+|=)(['"]?)([^\\s'"]+)\\1`);
  for (const script of Object.values(scripts)) {
    if (typeof script !== 'string' || !script.includes('node-pg-migrate')) continue;
    const m = re.exec(script);
    if (m) return m[2];
  }
  return undefined;
}

function nodePgMigrateProjects(packageJsons: readonly string[]): DiscoveredProject[] {
  const out: DiscoveredProject[] = [];
  for (const file of packageJsons) {
    let pkg: Record<string, unknown>;
    try {
      pkg = JSON.parse(readText(file) ?? '') as Record<string, unknown>;
    } catch {
      continue;
    }
    const deps = ['dependencies', 'devDependencies', 'peerDependencies', 'optionalDependencies'].some((k) => {
      const d = pkg[k];
      return typeof d === 'object' && d !== null && 'node-pg-migrate' in d;
    });
    if (!deps) continue;
    const root = path.dirname(file);
    const scripts = typeof pkg.scripts === 'object' && pkg.scripts !== null ? (pkg.scripts as Record<string, unknown>) : {};
    const dir = npmOption(scripts, 'm', 'migrations-dir');
    const table = npmOption(scripts, 't', 'migrations-table');
    const urlVar = npmOption(scripts, 'd', 'database-url-var');
    out.push({
      root,
      runner: 'node-pg-migrate',
      migrationsDirectory: path.resolve(root, dir ?? 'migrations'),
      config: file,
      directoryRead: dir !== undefined,
      ...(table !== undefined ? { migrationsTable: table } : {}),
      ...(urlVar !== undefined ? { databaseUrlVariable: urlVar } : {}),
      ...(dir === undefined ? { note: 'No -m/--migrations-dir in the package.json scripts: node-pg-migrate\'s default migrations folder is shown.' } : {}),
    });
  }
  return out;
}

const GOLANG_MIGRATE = /^\d+_.+\.(up|down)\.sql$/i;
const FLYWAY = /^[VU]\d+(?:[._]\d+)*__.+\.sql$|^R__.+\.sql$/;
const NUMBERED = /^\d+_.+\.sql$/i;

/** Which tool's naming the `.sql` files of one folder follow, or undefined for a folder of other SQL. */
export function sqlFlavorOf(dir: string, names: readonly string[]): SqlFlavor | undefined {
  if (names.some((n) => GOLANG_MIGRATE.test(n))) return 'golang-migrate';
  if (names.some((n) => FLYWAY.test(n))) return 'flyway';
  const numbered = names.filter((n) => NUMBERED.test(n));
  // dbmate files carry `-- migrate:up`; checking the first one is enough to tell them from a folder of seeds.
  if (numbered.length > 0 && /--\s*migrate:up/.test(readText(path.join(dir, numbered[0]!)) ?? '')) return 'dbmate';
  return undefined;
}

/**
 * Every migration project under `cwd` (absolute paths; sorted by root, then runner). Reads files only; never
 * runs a knexfile or any other project code; never throws for an unreadable file (it is skipped).
 */
export function discoverProjects(cwd: string, options: DiscoverOptions = {}): ProjectsResult {
  const root = path.resolve(cwd);
  const found = walk(root, options.maxDepth ?? 12);
  const candidates = [...knexProjects(found.knexfiles), ...alembicProjects(found.alembicInis), ...nodePgMigrateProjects(found.packageJsons)];
  const claimed = new Set<string>();
  const projects: DiscoveredProject[] = [];
  for (const p of candidates) {
    const dirs = p.migrationsDirectories ?? [p.migrationsDirectory];
    if (dirs.every((d) => claimed.has(d))) continue; // a folder is reported once
    for (const d of dirs) claimed.add(d);
    projects.push(p);
  }
  for (const [dir, names] of [...found.sqlFiles].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    if (claimed.has(dir)) continue;
    const flavor = sqlFlavorOf(dir, names);
    if (!flavor) continue;
    claimed.add(dir);
    projects.push({ root: path.dirname(dir), runner: 'sql', migrationsDirectory: dir, directoryRead: true, flavor });
  }
  projects.sort((a, b) => (a.root < b.root ? -1 : a.root > b.root ? 1 : a.runner < b.runner ? -1 : a.runner > b.runner ? 1 : 0));
  return { cwd: root, projects };
}

/**
 * The project whose configuration sits directly in `dir` (a knexfile, an `alembic.ini` or a node-pg-migrate
 * `package.json`), without walking below it: what the Knex commands check before acting, so that an Alembic
 * folder is not treated as an empty Knex project. Knex wins when a knexfile is there too.
 */
export function projectAt(dir: string): DiscoveredProject | undefined {
  const abs = path.resolve(dir);
  const knexfile = knexfileIn(abs);
  if (knexfile) return knexProjects([knexfile])[0];
  const ini = path.join(abs, 'alembic.ini');
  if (fs.existsSync(ini)) return alembicProjects([ini])[0];
  const pkg = path.join(abs, 'package.json');
  if (fs.existsSync(pkg)) return nodePgMigrateProjects([pkg])[0];
  return undefined;
}

/**
 * The project of another runner whose configuration or migrations folder sits directly in `dir`: an
 * `alembic.ini`, a node-pg-migrate `package.json`, or a golang-migrate/Flyway/dbmate folder that is `dir`
 * itself, `dir/<folder>` or `dir/db/<folder>`. Undefined when `dir` holds a knexfile or none of these.
 */
export function nonKnexProjectAt(dir: string): DiscoveredProject | undefined {
  const abs = path.resolve(dir);
  const here = projectAt(abs);
  if (here) return here.runner === 'knex' ? undefined : here;
  // A plain SQL folder: `dir` itself, or at most two levels below (migrations/, db/migrations/).
  const sqlFolder = (p: DiscoveredProject) => p.runner === 'sql' && path.relative(abs, p.migrationsDirectory).split(path.sep).length <= 2;
  return discoverProjects(abs, { maxDepth: 2 }).projects.find(sqlFolder);
}
