/**
 * Comparing two normalised schema models: the expected one (the applied migrations replayed in a
 * scratch database, or a snapshot) and the actual one. Each difference becomes one {@link DriftItem}
 * (protocol/shapes.ts) with what to do about it. Pure: no database access.
 */
import type { DriftItem, DriftKind, SchemaColumn, SchemaIndex, SchemaModel, SchemaTable } from '../../protocol';
import { foreignKeyKey } from './model';

/** What to do, per kind. The expected side is what the migrations say; the actual side is the database. */
const HINTS: Record<DriftKind, string> = {
  'missing-table': 'It was dropped or renamed outside the migrations. Restore it from a backup (migration-guard restore), or, if the drop is wanted, write a migration that drops it.',
  'extra-table': 'It was created outside the migrations. Write a migration that creates it (other databases need it too), or drop it if nothing uses it.',
  'missing-column': 'It was dropped outside the migrations. Restore it (from a backup, for its data), or write a migration that drops it if that is wanted.',
  'extra-column': 'It was added outside the migrations (ALTER TABLE by hand). Write a migration that adds it, or drop it if nothing uses it.',
  'type-mismatch': 'The type was changed outside the migrations. Write a migration that makes the change, or change the column back.',
  'nullability-mismatch': 'NOT NULL was changed outside the migrations. Write a migration that makes the change, or change it back.',
  'default-mismatch': 'The default was changed outside the migrations. Write a migration that sets it, or set it back.',
  'missing-index': 'It was dropped outside the migrations: queries may slow down and a unique index no longer protects the data. Recreate it, or write a migration that drops it.',
  'extra-index': 'It was created outside the migrations. Write a migration that creates it, or drop it.',
  'index-mismatch': 'The index was rebuilt differently outside the migrations. Recreate it as the migrations define it, or write a migration for the new definition.',
  'missing-foreign-key': 'It was removed outside the migrations: rows may now point nowhere. Recreate it (check for orphans first), or write a migration that removes it.',
  'extra-foreign-key': 'It was added outside the migrations. Write a migration that adds it, or drop it.',
  'missing-constraint': 'It was removed outside the migrations: the data is no longer checked. Recreate it (check the data first), or write a migration that removes it.',
  'extra-constraint': 'It was added outside the migrations. Write a migration that adds it, or drop it.',
};

function item(kind: DriftKind, table: string, message: string, extra: Partial<DriftItem> = {}): DriftItem {
  return { kind, table, ...extra, message, hint: HINTS[kind] };
}

function describeIndex(ix: SchemaIndex): string {
  return `${ix.unique ? 'UNIQUE ' : ''}(${ix.columns.join(', ')})${ix.predicate ? ` WHERE ${ix.predicate}` : ''}`;
}

function describeNull(c: SchemaColumn): string {
  return c.nullable ? 'NULL' : 'NOT NULL';
}

function byName<T extends { name: string }>(list: T[]): Map<string, T> {
  return new Map(list.map((x) => [x.name, x]));
}

/** Differences between two models, in a stable order (table by table, as the items are found). */
export function diffSchemas(expected: SchemaModel, actual: SchemaModel): DriftItem[] {
  const out: DriftItem[] = [];
  const exp = byName(expected.tables);
  const act = byName(actual.tables);
  const names = [...new Set([...exp.keys(), ...act.keys()])].sort();
  for (const name of names) {
    const e = exp.get(name);
    const a = act.get(name);
    if (e && !a) out.push(item('missing-table', name, `Table ${name} is created by the applied migrations but does not exist in the database.`));
    else if (!e && a) out.push(item('extra-table', name, `Table ${name} exists in the database but no applied migration creates it.`));
    else if (e && a) out.push(...diffTable(e, a));
  }
  const expViews = new Set(expected.views);
  const actViews = new Set(actual.views);
  for (const v of [...expViews].filter((x) => !actViews.has(x)).sort()) out.push(item('missing-table', v, `View ${v} is created by the applied migrations but does not exist in the database.`));
  for (const v of [...actViews].filter((x) => !expViews.has(x)).sort()) out.push(item('extra-table', v, `View ${v} exists in the database but no applied migration creates it.`));
  return out;
}

function diffTable(e: SchemaTable, a: SchemaTable): DriftItem[] {
  const out: DriftItem[] = [];
  const t = e.name;
  const ec = byName(e.columns);
  const ac = byName(a.columns);
  for (const c of e.columns) {
    const x = ac.get(c.name);
    if (!x) {
      out.push(item('missing-column', t, `Column ${t}.${c.name} (${c.type}) is added by the applied migrations but does not exist in the database.`, { column: c.name, expected: c.type }));
      continue;
    }
    if (x.type !== c.type) out.push(item('type-mismatch', t, `Column ${t}.${c.name} has type ${x.type}; the migrations give it ${c.type}.`, { column: c.name, expected: c.type, actual: x.type }));
    if (x.nullable !== c.nullable) out.push(item('nullability-mismatch', t, `Column ${t}.${c.name} is ${describeNull(x)}; the migrations make it ${describeNull(c)}.`, { column: c.name, expected: describeNull(c), actual: describeNull(x) }));
    if (x.default !== c.default) {
      out.push(item('default-mismatch', t, `Column ${t}.${c.name} has default ${x.default ?? '(none)'}; the migrations give it ${c.default ?? '(none)'}.`, { column: c.name, expected: c.default ?? '(none)', actual: x.default ?? '(none)' }));
    }
  }
  for (const c of a.columns) {
    if (!ec.has(c.name)) out.push(item('extra-column', t, `Column ${t}.${c.name} (${c.type}) exists in the database but no applied migration adds it.`, { column: c.name, actual: c.type }));
  }

  const ePk = e.primaryKey ? `PRIMARY KEY (${e.primaryKey.join(', ')})` : null;
  const aPk = a.primaryKey ? `PRIMARY KEY (${a.primaryKey.join(', ')})` : null;
  if (ePk !== aPk) {
    if (ePk) out.push(item('missing-constraint', t, `Table ${t} lacks the primary key ${ePk.slice(12)} the migrations give it${aPk ? ` (it has ${aPk})` : ''}.`, { constraint: 'PRIMARY KEY', expected: ePk, ...(aPk ? { actual: aPk } : {}) }));
    else if (aPk) out.push(item('extra-constraint', t, `Table ${t} has ${aPk}, which no applied migration creates.`, { constraint: 'PRIMARY KEY', actual: aPk }));
  }

  diffKeyed(e.uniques, a.uniques, (u) => `UNIQUE (${u.columns.join(', ')})`, (u, key, missing) =>
    out.push(item(missing ? 'missing-constraint' : 'extra-constraint', t, missing ? `Table ${t} lacks the constraint ${key} the migrations create.` : `Table ${t} has the constraint ${key}, which no applied migration creates.`, {
      constraint: u.name ?? key,
      ...(missing ? { expected: key } : { actual: key }),
    })));
  diffKeyed(e.checks, a.checks, (c) => `CHECK (${c.expression})`, (c, key, missing) =>
    out.push(item(missing ? 'missing-constraint' : 'extra-constraint', t, missing ? `Table ${t} lacks the constraint ${key} the migrations create.` : `Table ${t} has the constraint ${key}, which no applied migration creates.`, {
      constraint: c.name ?? key,
      ...(missing ? { expected: key } : { actual: key }),
    })));
  diffKeyed(e.foreignKeys, a.foreignKeys, foreignKeyKey, (fk, key, missing) =>
    out.push(item(missing ? 'missing-foreign-key' : 'extra-foreign-key', t, missing ? `Table ${t} lacks the foreign key ${key} the migrations create.` : `Table ${t} has the foreign key ${key}, which no applied migration creates.`, {
      ...(fk.columns.length === 1 ? { column: fk.columns[0] } : {}),
      constraint: fk.name ?? `FOREIGN KEY (${fk.columns.join(', ')})`,
      ...(missing ? { expected: key } : { actual: key }),
    })));

  const ei = byName(e.indexes);
  const ai = byName(a.indexes);
  for (const ix of e.indexes) {
    const x = ai.get(ix.name);
    if (!x) out.push(item('missing-index', t, `Index ${ix.name} ${describeIndex(ix)} on ${t} is created by the applied migrations but does not exist in the database.`, { index: ix.name, expected: describeIndex(ix) }));
    else if (describeIndex(x) !== describeIndex(ix)) {
      out.push(item('index-mismatch', t, `Index ${ix.name} on ${t} is ${describeIndex(x)}; the migrations define it as ${describeIndex(ix)}.`, { index: ix.name, expected: describeIndex(ix), actual: describeIndex(x) }));
    }
  }
  for (const ix of a.indexes) {
    if (!ei.has(ix.name)) out.push(item('extra-index', t, `Index ${ix.name} ${describeIndex(ix)} on ${t} exists in the database but no applied migration creates it.`, { index: ix.name, actual: describeIndex(ix) }));
  }
  return out;
}

/** Matches two lists by a key; calls `report` for each key on one side only (`missing` true: only expected). Duplicates count. */
function diffKeyed<T>(expected: T[], actual: T[], keyOf: (x: T) => string, report: (x: T, key: string, missing: boolean) => void): void {
  const left = new Map<string, T[]>();
  for (const x of actual) left.set(keyOf(x), [...(left.get(keyOf(x)) ?? []), x]);
  for (const x of expected) {
    const key = keyOf(x);
    const same = left.get(key);
    if (same && same.length) same.shift();
    else report(x, key, true);
  }
  for (const [key, rest] of left) for (const x of rest) report(x, key, false);
}
