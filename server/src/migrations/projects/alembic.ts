/**
 * Alembic, read-only (issue 16): the revision graph from the revision files (parsed by the analyzer's pure
 * reader, lint/graph/revision-graph.ts — no Python is run) and the applied revisions from the `alembic_version`
 * table when the database is SQLite or PostgreSQL, through readonly-db.ts (nothing here writes).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { buildRevisionGraph, readAlembicRevision, type FolderFile } from '../../lint/graph/revision-graph';
import type { AlembicHistoryResult, AlembicRevision } from '../../protocol';
import { errorMessage } from '../errors';
import { maskText } from '../mask';
import { readAlembicIni } from './alembic-config';
import { withReadOnly, type ReadOnlyTarget } from './readonly-db';

/**
 * The `.py` files of the version folders (`__init__.py` skipped); subfolders only with
 * `recursive_version_locations = true`, as Alembic (script/base.py `_load_revisions`).
 */
function revisionFiles(locations: readonly string[], recursive: boolean): FolderFile[] {
  const files: FolderFile[] = [];
  for (const dir of locations) {
    let names: string[];
    try {
      const listed = recursive ? fs.readdirSync(dir, { recursive: true }).map(String) : fs.readdirSync(dir);
      names = listed.filter((n) => n.endsWith('.py') && path.basename(n) !== '__init__.py' && !n.split(path.sep).includes('__pycache__')).sort();
    } catch {
      continue; // a missing version folder holds no revisions; reported by the caller
    }
    for (const n of names) {
      const file = path.join(dir, n);
      try {
        files.push({ path: file, text: fs.readFileSync(file, 'utf8') });
      } catch {
        // unreadable file: skipped
      }
    }
  }
  return files;
}

/** First line of the module docstring (Alembic's template puts the `-m` message there). */
export function revisionMessage(text: string): string {
  const m = /^\s*(?:#[^\n]*\n\s*)*[rRuU]?("""|''')\s*([^\n]*)/.exec(text);
  return m ? m[2]!.replace(/("""|''').*$/, '').trim() : '';
}

/**
 * Revisions heads first (sorted by id), then newest first: children before parents (a reverse topological order),
 * ties by id, so the output reads like `alembic history` and every head is on top.
 */
function newestFirst<R extends Pick<AlembicRevision, 'id' | 'parents'>>(revs: readonly R[]): R[] {
  const byId = new Map(revs.map((r) => [r.id, r]));
  const childCount = new Map<string, number>(revs.map((r) => [r.id, 0]));
  for (const r of revs) for (const p of new Set(r.parents)) if (byId.has(p)) childCount.set(p, childCount.get(p)! + 1);
  const ready = revs.filter((r) => childCount.get(r.id) === 0).map((r) => r.id);
  const out: R[] = [];
  const seen = new Set<string>();
  // The heads first: placing one before its siblings' descendants keeps children before parents.
  const release = (r: R) => {
    for (const p of new Set(r.parents)) {
      if (!byId.has(p)) continue;
      const left = childCount.get(p)! - 1;
      childCount.set(p, left);
      if (left === 0) ready.push(p);
    }
  };
  const heads = ready.splice(0).sort();
  for (const id of heads) {
    seen.add(id);
    out.push(byId.get(id)!);
  }
  for (const id of heads) release(byId.get(id)!);
  while (ready.length > 0) {
    ready.sort((a, b) => (a < b ? 1 : a > b ? -1 : 0));
    const id = ready.pop()!;
    if (seen.has(id)) continue;
    seen.add(id);
    const r = byId.get(id)!;
    out.push(r);
    release(r);
  }
  // A cycle leaves revisions unplaced: append them so nothing is hidden.
  for (const r of revs) if (!seen.has(r.id)) out.push(r);
  return out;
}

/**
 * The revisions applied when the database is at `current`: each current revision and all its ancestors (Alembic
 * applies a revision only after its parents, so everything below a current revision ran).
 */
export function appliedRevisions(nodes: readonly { id: string; downRevisions: readonly string[] }[], current: readonly string[]): Set<string> {
  const parents = new Map(nodes.map((n) => [n.id, n.downRevisions]));
  const applied = new Set<string>();
  const stack = [...current];
  while (stack.length > 0) {
    const id = stack.pop()!;
    if (applied.has(id) || !parents.has(id)) continue;
    applied.add(id);
    stack.push(...parents.get(id)!);
  }
  return applied;
}

/** What {@link readAlembicCurrent} found: the applied revisions, or null and why not. */
export interface AlembicCurrent {
  current: string[] | null;
  reason?: string;
}

/**
 * The SQLite file of an SQLAlchemy URL: `sqlite:///relative.db` (relative to `base`, the folder alembic runs
 * from), `sqlite:////abs.db` (absolute); undefined for an in-memory database (`sqlite://`, `sqlite:///:memory:`).
 * Query strings are dropped. Source: SQLAlchemy docs, "Engine Configuration → SQLite".
 */
export function sqliteFileOfUrl(url: string, base: string): string | undefined {
  const m = /^sqlite(?:\+\w+)?:\/\/\/?(.*)$/.exec(url.trim());
  if (!m) return undefined;
  // `sqlite:///x` leaves `x`; `sqlite:////abs` leaves `/abs`.
  const rest = url.trim().replace(/^sqlite(?:\+\w+)?:\/\//, '').replace(/\?.*$/, '');
  if (rest === '' || rest === '/' || rest === '/:memory:') return undefined;
  const p = rest.slice(1);
  return path.isAbsolute(p) ? p : path.resolve(base, p);
}

/**
 * Reads `alembic_version.version_num` (read-only). `url` is an SQLAlchemy URL: SQLite and PostgreSQL
 * (`postgresql://`, `postgresql+psycopg2://`, `postgres://`) are read; other dialects give null and a reason.
 * A reachable database without an `alembic_version` table gives `[]` (nothing applied); an unreachable one
 * gives null (unknown) — never a guess. Passwords are masked in reasons.
 */
export async function readAlembicCurrent(url: string | undefined, base: string, unsetReason = 'no sqlalchemy.url'): Promise<AlembicCurrent> {
  if (url === undefined) return { current: null, reason: `The database is unknown (${unsetReason}); env.py may build the URL in Python, which Migration Guard does not run.` };
  const scheme = /^([a-z0-9]+)(?:\+[\w]+)?:/i.exec(url.trim())?.[1]?.toLowerCase();
  let target: ReadOnlyTarget;
  if (scheme === 'sqlite') {
    const file = sqliteFileOfUrl(url, base);
    if (!file) return { current: null, reason: 'The database is an in-memory SQLite database: nothing is stored.' };
    target = { kind: 'sqlite', file };
  } else if (scheme === 'postgresql' || scheme === 'postgres') {
    target = { kind: 'postgresql', connectionString: url.trim().replace(/^[a-z0-9]+(?:\+\w+)?:/i, 'postgresql:') };
  } else {
    return { current: null, reason: `The database dialect ${scheme ?? '(unrecognised URL)'} is not read by Migration Guard (SQLite and PostgreSQL are).` };
  }
  try {
    return await withReadOnly(target, async (db) => {
      if (!(await db.tableExists('alembic_version'))) return { current: [] };
      return { current: (await db.all('select version_num from alembic_version')).map((r) => String(r.version_num)).sort() };
    });
  } catch (err) {
    return { current: null, reason: `The database could not be read: ${errorMessage(err)}` };
  }
}

/**
 * The Alembic state of the project whose `alembic.ini` is `iniFile`: every revision (newest first), the heads,
 * and `current` from the database (see {@link readAlembicCurrent}). `problems` lists what Alembic itself would
 * fail on: a `down_revision` naming no revision, a duplicated id, a current revision with no file, a missing
 * version folder. Reads files and the database only; never writes.
 */
export async function getAlembicHistory(iniFile: string, env: NodeJS.ProcessEnv = process.env): Promise<AlembicHistoryResult> {
  const ini = readAlembicIni(iniFile, env);
  const files = revisionFiles(ini.versionLocations, ini.recursive);
  const graph = buildRevisionGraph(files);
  const heads = new Set(graph.heads);
  const problems: string[] = [];
  for (const loc of ini.versionLocations) if (!fs.existsSync(loc)) problems.push(`The version folder ${loc} does not exist.`);
  const seen = new Map<string, string>();
  for (const f of files) {
    const info = readAlembicRevision(f.text);
    if (!info) continue;
    const first = seen.get(info.revision.id);
    if (first !== undefined) problems.push(`Revision ${info.revision.id} is declared twice: ${first} and ${f.path}.`);
    else seen.set(info.revision.id, f.path);
  }
  const text = new Map(files.map((f) => [f.path, f.text]));
  const known = new Set(graph.nodes.map((n) => n.id));
  const children = new Map<string, number>();
  for (const n of graph.nodes) for (const p of new Set(n.downRevisions)) children.set(p, (children.get(p) ?? 0) + 1);
  const db = await readAlembicCurrent(ini.url, path.dirname(ini.file), ini.urlSource === 'none' ? 'no sqlalchemy.url in alembic.ini' : ini.note ?? ini.urlSource);
  const applied = db.current === null ? null : appliedRevisions(graph.nodes, db.current);
  const revisions: AlembicRevision[] = graph.nodes.map((n) => {
    for (const p of n.downRevisions) if (!known.has(p)) problems.push(`Revision ${n.id} (${n.path}) names the parent ${p}, which no revision file declares.`);
    return {
      id: n.id,
      parents: n.downRevisions,
      message: revisionMessage(text.get(n.path) ?? ''),
      file: n.path,
      branchLabels: n.branchLabels,
      isMerge: new Set(n.downRevisions).size > 1,
      isHead: heads.has(n.id),
      isBranchPoint: (children.get(n.id) ?? 0) > 1,
      isCurrent: db.current?.includes(n.id) ?? false,
      state: applied === null ? 'unknown' : applied.has(n.id) ? 'applied' : 'pending',
    };
  });
  for (const c of db.current ?? []) if (!known.has(c)) problems.push(`The database is at revision ${c}, which no revision file declares.`);
  if (graph.heads.length > 1) problems.push(`${graph.heads.length} heads (${graph.heads.join(', ')}): \`alembic upgrade head\` fails until they are merged.`);
  const notes = [ini.note, db.reason].filter((s): s is string => s !== undefined);
  return {
    runner: 'alembic',
    config: ini.file,
    versionLocations: ini.versionLocations,
    heads: graph.heads,
    revisions: newestFirst(revisions),
    current: db.current,
    ...(db.current === null ? { currentUnknownReason: maskText(notes.join(' ') || 'unknown') } : {}),
    database: ini.url === undefined ? null : maskText(ini.url),
    problems,
  };
}
