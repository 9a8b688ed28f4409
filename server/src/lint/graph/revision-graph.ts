/**
 * The revision graph of a whole migration folder, and the folder-level rules built on it:
 * `alembic-multiple-heads`, `alembic-missing-revision` and `duplicate-revision`.
 *
 * Pure and synchronous (no WASM needed): Alembic's module-level `revision = '…'` and
 * `down_revision = '…' | ('a', 'b') | None` assignments are read with a small scanner that skips triple-quoted
 * strings (the module docstring repeats "Revision ID: …") and comments. Type annotations
 * (`down_revision: Union[str, Sequence[str], None] = …`) and tuples or lists over several lines are understood.
 *
 * Edges point from parent to child (`down_revision` → `revision`). A head is a revision no other revision
 * names as its parent; a base is one without parents; a merge has several parents; a branch point has several
 * children. Source: Alembic docs, "Working with Branches".
 */
import { rule as missingRevision } from '../rules/alembic-missing-revision';
import { rule as multipleHeads } from '../rules/alembic-multiple-heads';
import { rule as duplicateRevision } from '../rules/duplicate-revision';
import type { Rule } from '../model';
import type { TextRange } from '../text';
import type { Finding, Severity } from '../types';

/** One file of the folder: a path (any form; used for messages, grouping by directory and the result) and its text. */
export interface FolderFile {
  path: string;
  text: string;
}

/** A revision id as written, with the range of its string literal (quotes included). */
export interface RevisionRef {
  id: string;
  range: TextRange;
}

/** What an Alembic revision file declares. */
export interface AlembicRevisionInfo {
  revision: RevisionRef;
  /** Range of the whole `revision = '…'` assignment (name to end of value), where head/duplicate findings point. */
  revisionLine: TextRange;
  /** Parents; empty for a base (`down_revision = None`). */
  downRevisions: RevisionRef[];
  /** `branch_labels`, when given as strings. */
  branchLabels: string[];
}

/** A node of the revision graph. */
export interface RevisionNode {
  id: string;
  path: string;
  /** Parent ids, as written (some may be missing from the folder). */
  downRevisions: string[];
  branchLabels: string[];
}

/** The revision graph of a folder (Alembic). Arrays are sorted for stable output. */
export interface RevisionGraph {
  /** One node per revision id (the first file wins when an id is duplicated). */
  nodes: RevisionNode[];
  /** Parent → child edges between revisions that both exist. */
  edges: { from: string; to: string }[];
  /** Revisions no other revision names as parent. */
  heads: string[];
  /** Revisions without parents (`down_revision = None`) or whose parents are all missing. */
  bases: string[];
  /** Revisions with more than one parent. */
  merges: string[];
  /** Revisions with more than one child. */
  branchPoints: string[];
}

/** A folder-level finding: which file, and the finding inside it (UTF-16 offsets into that file's text). */
export interface FolderFinding {
  path: string;
  finding: Finding;
}

/** Options for {@link analyzeRevisionGraph}. */
export interface RevisionGraphOptions {
  /** Per-rule severity overrides (`'off'` disables the rule), as in `AnalyzeOptions.rules`. */
  rules?: Readonly<Record<string, Severity | 'off'>>;
}

/** Same-length copy of a Python source with triple-quoted strings and comments blanked (newlines kept). */
function maskPython(text: string): string {
  return text.replace(/("""|''')[\s\S]*?(?:\1|$)|#[^\n\r]*/g, (m) => m.replace(/[^\n\r]/g, ' '));
}

/** A string literal at `pos` (optional prefix, single or double quotes, no escapes needed for ids). */
function readString(text: string, pos: number): { value: string; end: number } | undefined {
  const m = /^[rRuU]?(['"])([^'"\n\r]*)\1/.exec(text.slice(pos, pos + 300));
  return m ? { value: m[2]!, end: pos + m[0].length } : undefined;
}

/** Reads the value of an assignment at `pos`: None, a string, or a tuple/list of strings. */
function readRevisionValue(text: string, pos: number): { refs: RevisionRef[]; end: number } | undefined {
  let i = pos;
  const skip = (): void => {
    while (i < text.length && /\s/.test(text[i]!)) i++;
  };
  skip();
  if (text.startsWith('None', i)) return { refs: [], end: i + 4 };
  const s = readString(text, i);
  if (s) return { refs: [{ id: s.value, range: { start: i, end: s.end } }], end: s.end };
  const open = text[i];
  if (open !== '(' && open !== '[') return undefined;
  const close = open === '(' ? ')' : ']';
  i++;
  const refs: RevisionRef[] = [];
  for (;;) {
    skip();
    if (text[i] === close) return { refs, end: i + 1 };
    const str = readString(text, i);
    if (!str) return undefined;
    refs.push({ id: str.value, range: { start: i, end: str.end } });
    i = str.end;
    skip();
    if (text[i] === ',') i++;
  }
}

/**
 * Reads `revision`, `down_revision` and `branch_labels` of an Alembic revision file.
 * `undefined` when the text declares no `revision = '…'` at module level (e.g. `env.py`). Never throws.
 */
export function readAlembicRevision(text: string): AlembicRevisionInfo | undefined {
  const masked = maskPython(text);
  const assign = /^(revision|down_revision|branch_labels)[ \t]*(?::[^=\n\r]*)?=/gm;
  let revision: RevisionRef | undefined;
  let revisionLine: TextRange | undefined;
  let downRevisions: RevisionRef[] = [];
  let branchLabels: string[] = [];
  for (let m = assign.exec(masked); m; m = assign.exec(masked)) {
    const value = readRevisionValue(masked, m.index + m[0].length);
    if (!value) continue;
    // Ranges come from the masked copy, values from the original text (same offsets).
    const refs = value.refs.map((r) => ({ id: text.slice(r.range.start, r.range.end).replace(/^[rRuU]?['"]|['"]$/g, ''), range: r.range }));
    if (m[1] === 'revision' && !revision && refs.length === 1) {
      revision = refs[0]!;
      revisionLine = { start: m.index, end: value.end };
    } else if (m[1] === 'down_revision') downRevisions = refs;
    else if (m[1] === 'branch_labels') branchLabels = refs.map((r) => r.id);
  }
  if (!revision || !revisionLine) return undefined;
  return { revision, revisionLine, downRevisions, branchLabels };
}

interface ParsedRevision extends AlembicRevisionInfo {
  path: string;
}

function readAll(files: readonly FolderFile[]): ParsedRevision[] {
  const out: ParsedRevision[] = [];
  for (const f of files) {
    if (!/\.py$/i.test(f.path) || typeof f.text !== 'string') continue;
    const info = readAlembicRevision(f.text);
    if (info) out.push({ ...info, path: f.path });
  }
  return out;
}

function graphOf(revs: readonly ParsedRevision[]): RevisionGraph {
  const byId = new Map<string, ParsedRevision>();
  for (const r of revs) if (!byId.has(r.revision.id)) byId.set(r.revision.id, r);
  const children = new Map<string, Set<string>>();
  const edges: { from: string; to: string }[] = [];
  for (const r of byId.values()) {
    for (const parent of new Set(r.downRevisions.map((d) => d.id))) {
      if (!byId.has(parent)) continue;
      edges.push({ from: parent, to: r.revision.id });
      let set = children.get(parent);
      if (!set) children.set(parent, (set = new Set()));
      set.add(r.revision.id);
    }
  }
  const ids = [...byId.keys()].sort();
  const sortEdges = (a: { from: string; to: string }, b: { from: string; to: string }): number => (a.from < b.from ? -1 : a.from > b.from ? 1 : a.to < b.to ? -1 : a.to > b.to ? 1 : 0);
  return {
    nodes: ids.map((id) => {
      const r = byId.get(id)!;
      return { id, path: r.path, downRevisions: r.downRevisions.map((d) => d.id), branchLabels: r.branchLabels };
    }),
    edges: edges.sort(sortEdges),
    heads: ids.filter((id) => !children.has(id)),
    bases: ids.filter((id) => byId.get(id)!.downRevisions.every((d) => !byId.has(d.id))),
    merges: ids.filter((id) => new Set(byId.get(id)!.downRevisions.map((d) => d.id)).size > 1),
    branchPoints: ids.filter((id) => (children.get(id)?.size ?? 0) > 1),
  };
}

/**
 * Builds the Alembic revision graph of a folder from its files (`.py` files declaring `revision = '…'`; others
 * are ignored). Pure; never throws on any text.
 */
export function buildRevisionGraph(files: readonly FolderFile[]): RevisionGraph {
  return graphOf(readAll(files));
}

/**
 * The revisions of `graph` parents first: an order Alembic may apply them in (a topological order of its edges; among
 * revisions ready at the same time, the smallest id first, so the order is stable). Revisions on a cycle, and their
 * descendants, are left out (Alembic refuses such a graph). Pure.
 */
export function applyOrder(graph: RevisionGraph): RevisionNode[] {
  const byId = new Map(graph.nodes.map((n) => [n.id, n]));
  const waiting = new Map(graph.nodes.map((n) => [n.id, 0]));
  const children = new Map<string, string[]>();
  for (const { from, to } of graph.edges) {
    waiting.set(to, waiting.get(to)! + 1);
    let list = children.get(from);
    if (!list) children.set(from, (list = []));
    list.push(to);
  }
  // Ids sorted descending: pop() gives the smallest.
  const ready = graph.nodes.filter((n) => waiting.get(n.id) === 0).map((n) => n.id).reverse();
  const out: RevisionNode[] = [];
  while (ready.length > 0) {
    const id = ready.pop()!;
    out.push(byId.get(id)!);
    for (const child of children.get(id) ?? []) {
      const left = waiting.get(child)! - 1;
      waiting.set(child, left);
      if (left > 0) continue;
      let i = ready.length;
      while (i > 0 && ready[i - 1]! < child) i--;
      ready.splice(i, 0, child);
    }
  }
  return out;
}

/** Directory part of a path (`/` or `\` separated); `''` for a bare name. */
function dirOf(p: string): string {
  const i = Math.max(p.lastIndexOf('/'), p.lastIndexOf('\\'));
  return i < 0 ? '' : p.slice(0, i);
}
function baseOf(p: string): string {
  const i = Math.max(p.lastIndexOf('/'), p.lastIndexOf('\\'));
  return p.slice(i + 1);
}

/**
 * Version prefix and migration name of a Knex / SQL migration file name, or `undefined` when it has none:
 * `20240101120000_add_users.js` → `20240101120000` / `add_users`; `V3__init.sql` → `3` / `init`;
 * `V1.1__x.sql` → `1.1` / `x`; `0001_init.up.sql` and `0001_init.down.sql` → `0001` / `init` (one migration).
 * Flyway undo scripts (`U3__x.sql`) share their version with `V3__x.sql` and count as the same migration.
 */
export function migrationVersion(fileName: string): { version: string; name: string } | undefined {
  const base = baseOf(fileName);
  if (!/\.(sql|[cm]?[jt]sx?)$/i.test(base) || /\.d\.[cm]?ts$/i.test(base)) return undefined;
  const stem = base.replace(/\.(sql|[cm]?[jt]sx?)$/i, '').replace(/([._-])(up|down)$/i, '');
  // Flyway: V1__a, V1.1__b, V2_1__c (versioned); U1__undo is the undo of V1; R__x is repeatable (no version).
  const flyway = /^[VvUu](\d+(?:[._]\d+)*)__(.*)$/.exec(stem);
  if (flyway) return { version: flyway[1]!.replace(/_/g, '.'), name: flyway[2]! };
  const m = /^(\d{1,20})(?:[_.-]+|$)(.*)$/.exec(stem);
  if (!m) return undefined;
  return { version: m[1]!, name: m[2] ?? '' };
}

/** First line of a text (without its line break), for findings about a whole file. */
function firstLine(text: string): TextRange {
  const m = /^[^\r\n]*/.exec(text);
  return { start: 0, end: m ? m[0].length : 0 };
}

/**
 * Runs the folder-level rules over the files of one migration folder (or several; Knex/SQL files are grouped by
 * directory, Alembic revisions are one graph): `alembic-multiple-heads` on each head's `revision = '…'` when there
 * is more than one head, `alembic-missing-revision` on each `down_revision` string naming no revision in `files`,
 * and `duplicate-revision` on every file sharing a revision id (Alembic) or a version prefix (Knex, SQL).
 * Returns findings sorted by path, then offset. Pure; never throws.
 */
export function analyzeRevisionGraph(files: readonly FolderFile[], options: RevisionGraphOptions = {}): FolderFinding[] {
  const out: FolderFinding[] = [];
  try {
    const emit = (rule: Rule, path: string, range: TextRange, message: string): void => {
      const severity = options.rules?.[rule.meta.id] ?? rule.meta.defaultSeverity;
      if (severity === 'off') return;
      out.push({ path, finding: { ruleId: rule.meta.id, severity, message, start: range.start, end: range.end, help: rule.meta.help } });
    };
    const revs = readAll(files);
    const graph = graphOf(revs);
    const known = new Set(revs.map((r) => r.revision.id));

    if (graph.heads.length > 1) {
      const headSet = new Set(graph.heads);
      for (const r of revs) {
        if (!headSet.has(r.revision.id)) continue;
        headSet.delete(r.revision.id); // a duplicated head is reported once, on its first file
        const others = graph.heads.filter((h) => h !== r.revision.id);
        emit(multipleHeads, r.path, r.revisionLine, `Revision "${r.revision.id}" is one of ${graph.heads.length} heads (also ${others.map((h) => `"${h}"`).join(', ')}): \`alembic upgrade head\` fails until they are merged.`);
      }
    }
    for (const r of revs) {
      for (const d of r.downRevisions) {
        if (!known.has(d.id)) emit(missingRevision, r.path, d.range, `down_revision "${d.id}" names no revision in this folder, so Alembic cannot build its revision map.`);
      }
    }
    const byId = new Map<string, ParsedRevision[]>();
    for (const r of revs) byId.set(r.revision.id, [...(byId.get(r.revision.id) ?? []), r]);
    for (const [id, group] of byId) {
      if (group.length < 2) continue;
      for (const r of group) {
        const others = group.filter((g) => g !== r).map((g) => g.path);
        emit(duplicateRevision, r.path, r.revision.range, `Revision id "${id}" is also declared in ${others.join(', ')}.`);
      }
    }
    // Knex / SQL: one version prefix, several migrations, in the same directory.
    const byVersion = new Map<string, { file: FolderFile; name: string }[]>();
    for (const f of files) {
      if (typeof f.text !== 'string') continue;
      const v = migrationVersion(f.path);
      if (!v) continue;
      const key = `${dirOf(f.path)}\u0000${v.version.split('.').map((part) => part.replace(/^0+(?=\d)/, '')).join('.')}`;
      byVersion.set(key, [...(byVersion.get(key) ?? []), { file: f, name: v.name }]);
    }
    for (const group of byVersion.values()) {
      if (new Set(group.map((g) => g.name)).size < 2) continue;
      for (const g of group) {
        const others = group.filter((o) => o.name !== g.name).map((o) => baseOf(o.file.path));
        const version = migrationVersion(g.file.path)!.version;
        emit(duplicateRevision, g.file.path, firstLine(g.file.text), `Migration version ${version} is also used by ${others.join(', ')}: the order of these migrations is decided by their names, not by intent.`);
      }
    }
  } catch {
    // Never throw: a crash costs the folder findings, nothing else.
  }
  return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : a.finding.start - b.finding.start || (a.finding.ruleId < b.finding.ruleId ? -1 : a.finding.ruleId > b.finding.ruleId ? 1 : 0)));
}
