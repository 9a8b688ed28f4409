/**
 * The rewriting quick fix of `adding-required-field` (a NOT NULL column without DEFAULT added to an existing table),
 * PostgreSQL only: new migration files carrying the safe sequence, and edits that comment the original statement out.
 *
 * 1. add the column nullable (instant: no rewrite, no scan);
 * 2. backfill it in batches walking the primary key, each batch its own short transaction (outside the runner's
 *    transaction), with the value left for the user to fill in (the migration refuses to run until then);
 * 3. `ADD CONSTRAINT … CHECK (col IS NOT NULL) NOT VALID` (brief ACCESS EXCLUSIVE, no scan; new writes are checked);
 * 4. `VALIDATE CONSTRAINT` (scans under SHARE UPDATE EXCLUSIVE: reads and writes go on), then `SET NOT NULL`, which on
 *    PostgreSQL 12+ uses the validated check instead of scanning (PostgreSQL docs, ALTER TABLE: "SET NOT NULL … the
 *    scan is skipped if a valid CHECK constraint is found which proves no NULL can exist"), then drop the check.
 *
 * Each file has a `down` that undoes it. SQLite has no `SET NOT NULL` (a table rebuild instead): no fix there.
 * The original statement is commented out rather than deleted (nothing of the user's text is lost, the diff shows
 * what moved where); when the file's rollback drops the column, that statement is commented out too, or the
 * rollback would fail after step 1's `down` dropped it already. Only whole-line statements that hold this one
 * column are rewritten; anything else gets no fix (fail closed). Pure: no file system, the time comes in `now`.
 */
import * as path from 'node:path';
import { parseDocument, type Operation, type TextEdit } from '../../lint';
import { normalizeMigrationName, type Dialect } from '../../protocol';
import { migrationTimestamp } from './scaffold';

/** What {@link requiredFieldFix} needs: the document, where the finding is, and the folder's file names. */
export interface RequiredFieldFixInput {
  /** The migration's text (as analyzed). */
  text: string;
  /** Its path or name; the extension picks Knex (`.js`/`.ts`…) or SQL, the name the numbering convention. */
  fileName: string;
  dialect: Dialect;
  /** UTF-16 offset of the finding's start (the ADD COLUMN sub-command or the Knex column chain). */
  offset: number;
  /** Names of the files in the migration's folder (for the next version number of numbered folders). */
  siblings: readonly string[];
  /** The time that names timestamped files (`YYYYMMDDHHMMSS`, UTC, one second apart). */
  now: Date;
  /** For `x.up.sql`: the text of `x.down.sql` beside it, when it exists. */
  downText?: string;
}

/** A file to create beside the migration, in the order the runner applies them. */
export interface NewMigrationFile {
  /** Base name, e.g. `20261207010203_add_email_to_users.js`. */
  fileName: string;
  text: string;
}

/** The fix: files to create, edits to the migration (UTF-16 offsets into `text`), edits to its `.down.sql`. */
export interface RequiredFieldFix {
  title: string;
  files: NewMigrationFile[];
  edits: TextEdit[];
  downEdits: TextEdit[];
}

/** Placeholder marker the user searches for; the generated code refuses to run while it is there. */
export const FILL_IN_MARKER = 'TODO(migration-guard)';

type Flavor = 'knex-js' | 'knex-ts' | 'sql' | 'sql-updown' | 'dbmate' | 'flyway';

/** Double-quoted PostgreSQL identifier (always quoted: the names are as written, and `user`/`order` are reserved). */
function ident(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** The offsets of `[start, end)` widened to whole lines, or undefined when other code shares those lines. */
function wholeLines(text: string, start: number, end: number): { start: number; end: number } | undefined {
  const lineStart = text.lastIndexOf('\n', start - 1) + 1;
  if (text.slice(lineStart, start).trim() !== '') return undefined;
  let lineEnd = text.indexOf('\n', end);
  if (lineEnd < 0) lineEnd = text.length;
  if (!/^\s*;?\s*$/.test(text.slice(end, lineEnd))) return undefined;
  return { start: lineStart, end: lineEnd };
}

/** Edits that put `prefix` before every line of `[start, end)` (whole lines), after a header line. */
function commentOut(text: string, range: { start: number; end: number }, prefix: string, header: string): TextEdit[] {
  const indent = /^[ \t]*/.exec(text.slice(range.start))![0];
  const edits: TextEdit[] = [{ start: range.start, end: range.start, newText: `${indent}${prefix} ${header}\n` }];
  for (let at = range.start; at <= range.end; ) {
    const col = at + /^[ \t]*/.exec(text.slice(at))![0].length;
    edits.push({ start: col, end: col, newText: `${prefix} ` });
    const next = text.indexOf('\n', at);
    if (next < 0 || next >= range.end) break;
    at = next + 1;
  }
  // One insertion per offset: the header goes before the first line's prefix.
  const [head, first, ...rest] = edits;
  return [{ start: head!.start, end: head!.start, newText: head!.newText + (first!.start === head!.start ? first!.newText : '') }, ...(first!.start === head!.start ? [] : [first!]), ...rest];
}

/** The smallest statement range of the document around `inner` that is larger than it (the JS statement of a `knex.raw`). */
function enclosingStatement(statements: readonly { start: number; end: number }[], inner: { start: number; end: number }, strict: boolean) {
  let best: { start: number; end: number } | undefined;
  for (const s of statements) {
    if (s.start > inner.start || s.end < inner.end) continue;
    if (strict && s.start === inner.start && s.end === inner.end) continue;
    if (!best || s.end - s.start < best.end - best.start) best = s;
  }
  return best;
}

/** The whole-line range of the statement holding `op`, when it holds no other operation; else undefined. */
function ownStatement(text: string, ops: readonly Operation[], statements: readonly { start: number; end: number }[], op: Operation) {
  const stmt = op.origin === 'knex-raw' ? enclosingStatement(statements, op.statement, true) : enclosingStatement(statements, op.statement, false) ?? op.statement;
  if (!stmt) return undefined;
  if (ops.some((o) => o !== op && o.range.start >= stmt.start && o.range.end <= stmt.end)) return undefined;
  return wholeLines(text, stmt.start, stmt.end);
}

/** Version prefixes for `count` new files after `current` in a folder holding `siblings`; undefined for an unknown convention. */
function nextVersions(current: string, siblings: readonly string[], now: Date, count: number): { prefix: (i: number) => string } | undefined {
  if (/^\d{14}_/.test(current)) {
    // Timestamped (the knex CLI's and `migration-guard new`'s UTC YYYYMMDDHHMMSS): from now, and after every sibling.
    const newest = siblings.map((s) => /^(\d{14})_/.exec(s)?.[1]).filter((v): v is string => Boolean(v)).sort().at(-1) ?? '';
    let start = now.getTime();
    while (migrationTimestamp(new Date(start)) <= newest) start += 1000;
    return { prefix: (i) => `${migrationTimestamp(new Date(start + i * 1000))}_` };
  }
  const flyway = /^V(\d+)__/.exec(current);
  if (flyway) {
    const max = Math.max(Number(flyway[1]), ...siblings.map((s) => Number(/^V(\d+)/.exec(s)?.[1] ?? 0)));
    return { prefix: (i) => `V${max + 1 + i}__` };
  }
  const numbered = /^(\d+)_/.exec(current);
  if (numbered) {
    const width = numbered[1]!.length;
    const max = Math.max(Number(numbered[1]), ...siblings.map((s) => (/^\d+_/.test(s) && /^(\d+)_/.exec(s)![1]!.length === width ? Number(/^(\d+)_/.exec(s)![1]) : 0)));
    if (!Number.isSafeInteger(max + count)) return undefined;
    return { prefix: (i) => `${String(max + 1 + i).padStart(width, '0')}_` };
  }
  return undefined;
}

/** The SQL names the steps use, all quoted. */
interface Names {
  table: string;
  column: string;
  check: string;
  /** `schema.table` for `knex(…)`, as Knex splits it. */
  knexTable: string;
  /** The column as written (for the Knex query builder, which quotes it). */
  rawColumn: string;
}

function namesOf(op: Extract<Operation, { type: 'addColumn' }>): Names {
  const table = op.schema ? `${ident(op.schema)}.${ident(op.table)}` : ident(op.table);
  // PostgreSQL truncates identifiers to 63 bytes; keep the name within that.
  const check = `${op.table}_${op.column}_not_null`.slice(0, 63);
  return { table, column: ident(op.column), check: ident(check), knexTable: op.schema ? `${op.schema}.${op.table}` : op.table, rawColumn: op.column };
}

/** The SQL of each step, shared by the Knex and the SQL files. */
function stepSql(n: Names, addColumn: string) {
  return {
    add: `ALTER TABLE ${n.table} ${addColumn}`,
    dropColumn: `ALTER TABLE ${n.table} DROP COLUMN ${n.column}`,
    addCheck: `ALTER TABLE ${n.table} ADD CONSTRAINT ${n.check} CHECK (${n.column} IS NOT NULL) NOT VALID`,
    dropCheck: `ALTER TABLE ${n.table} DROP CONSTRAINT ${n.check}`,
    validate: `ALTER TABLE ${n.table} VALIDATE CONSTRAINT ${n.check}`,
    setNotNull: `ALTER TABLE ${n.table} ALTER COLUMN ${n.column} SET NOT NULL`,
    dropNotNull: `ALTER TABLE ${n.table} ALTER COLUMN ${n.column} DROP NOT NULL`,
  };
}

/** A JS string literal in single quotes. */
function js(s: string): string {
  return `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

interface Step {
  stem: string;
  /** Comment lines (without prefix) saying what the step does. */
  about: string[];
}

function steps(op: Extract<Operation, { type: 'addColumn' }>, origin: string): Step[] {
  const t = op.table;
  const c = op.column;
  const from = `Written by Migration Guard's fix for adding-required-field in ${origin}: the NOT NULL column ${ident(t)}.${ident(c)} in four steps.`;
  return [
    { stem: `add_${c}_to_${t}`, about: [from, `Step 1 of 4: add the column nullable. Instant: no table rewrite, no scan.`] },
    {
      stem: `backfill_${t}_${c}`,
      about: [
        from,
        `Step 2 of 4: fill the column of the existing rows in batches along the primary key, each batch its own short`,
        `transaction, so no long transaction holds row locks. Deploy code that writes the column for new rows first.`,
      ],
    },
    {
      stem: `check_${t}_${c}_not_null`,
      about: [from, `Step 3 of 4: a CHECK (… IS NOT NULL) NOT VALID constraint: checks new writes at once, scans nothing.`],
    },
    {
      stem: `set_${t}_${c}_not_null`,
      about: [
        from,
        `Step 4 of 4: VALIDATE CONSTRAINT scans under SHARE UPDATE EXCLUSIVE (reads and writes go on); SET NOT NULL then`,
        `uses the valid check instead of a scan (PostgreSQL 12+), and the check is dropped.`,
      ],
    },
  ];
}

/** Knex file texts (`.js` CommonJS or `.ts` ES module) for the four steps. */
function knexFiles(ts: boolean, n: Names, sql: ReturnType<typeof stepSql>, addBuilder: string | undefined, about: Step[]): string[] {
  const header = (s: Step) => s.about.map((l) => `// ${l}`).join('\n');
  const fn = (name: 'up' | 'down', body: string) =>
    ts ? `export async function ${name}(knex: Knex): Promise<void> {\n${body}\n}\n` : `/** @param {import('knex').Knex} knex */\nexports.${name} = async function ${name}(knex) {\n${body}\n};\n`;
  const head = (s: Step) => (ts ? `import type { Knex } from 'knex';\n\n${header(s)}\n` : `${header(s)}\n`);
  const raw = (q: string) => `  await knex.raw(${js(q)});`;
  const tableCall = n.knexTable.includes('.') ? `knex.schema.withSchema(${js(n.knexTable.split('.')[0]!)}).alterTable(${js(n.knexTable.split('.').slice(1).join('.'))}` : `knex.schema.alterTable(${js(n.knexTable)}`;
  const add = addBuilder ? `  await ${tableCall}, (t) => {\n    ${addBuilder};\n  });` : raw(sql.add);
  const column = n.rawColumn;
  const lastType = ts ? ': string | number | undefined' : '';
  const rowsType = ts ? ': Array<Record<string, string | number>>' : '';
  const backfill = `${ts ? 'export const config = { transaction: false };' : 'exports.config = { transaction: false };'}

// ${FILL_IN_MARKER}: the value existing rows get, as an SQL expression, e.g. "'unknown'" or "lower(name)".
// This migration refuses to run until it is filled in.
const BACKFILL_VALUE = null${ts ? ' as string | null' : ''};
// The primary key the batches walk (assumed: check it), and the rows per batch.
const PRIMARY_KEY = 'id';
const BATCH_SIZE = 1000;

// migration-guard-ignore missing-down: the rollback has nothing to undo (step 1's rollback drops the column and its values).
${fn(
  'up',
  `  if (BACKFILL_VALUE === null) throw new Error(${js(`Fill in BACKFILL_VALUE (${FILL_IN_MARKER}) in this migration before running it.`)});
  const value = BACKFILL_VALUE;
  let last${lastType};
  for (;;) {
    // The next BATCH_SIZE keys, then one bounded UPDATE of that key range (autocommit: its own transaction).
    const keys${rowsType} = await knex(${js(n.knexTable)})
      .select(PRIMARY_KEY)
      .modify((q) => {
        if (last !== undefined) q.where(PRIMARY_KEY, '>', last);
      })
      .orderBy(PRIMARY_KEY)
      .limit(BATCH_SIZE);
    if (keys.length === 0) break;
    const upTo = keys[keys.length - 1]${ts ? '!' : ''}[PRIMARY_KEY];
    await knex(${js(n.knexTable)})
      .update({ ${js(column)}: knex.raw(value) })
      .whereNull(${js(column)})
      .modify((q) => {
        if (last !== undefined) q.where(PRIMARY_KEY, '>', last);
      })
      .where(PRIMARY_KEY, '<=', upTo);
    last = upTo;
  }`,
)}
${fn('down', `  // Nothing to undo here: the values go with the column when step 1 is rolled back.\n  return Promise.resolve();`)}`;
  return [
    `${head(about[0]!)}\n${fn('up', add)}\n${fn('down', raw(sql.dropColumn))}`,
    `${head(about[1]!)}\n${backfill}`,
    `${head(about[2]!)}\n${fn('up', raw(sql.addCheck))}\n${fn('down', raw(sql.dropCheck))}`,
    `${head(about[3]!)}\n${fn('up', [raw(sql.validate), raw(sql.setNotNull), raw(sql.dropCheck)].join('\n'))}\n${fn('down', [raw(sql.addCheck), raw(sql.dropNotNull)].join('\n'))}`,
  ];
}

/** The batched backfill in PL/pgSQL: a DO block that commits after each batch (PostgreSQL 11+, outside a transaction block). */
function sqlBackfill(n: Names): string {
  const pk = ident('id');
  return `-- ${FILL_IN_MARKER}: replace FILL_IN_VALUE below with the value existing rows get (an SQL expression, e.g.
-- 'unknown' or lower(name)); until then this fails with: column "fill_in_value" does not exist.
-- The primary key the batches walk is assumed to be ${pk}: check it. COMMIT inside DO needs the file to run outside a
-- transaction block (PostgreSQL 11+); if your runner wraps files in one, turn that off for this file.
DO $$
DECLARE
  next_key ${n.table}.${pk}%TYPE;
  batch_end ${n.table}.${pk}%TYPE;
BEGIN
  SELECT min(${pk}) INTO next_key FROM ${n.table};
  WHILE next_key IS NOT NULL LOOP
    SELECT max(k) INTO batch_end FROM (SELECT ${pk} AS k FROM ${n.table} WHERE ${pk} >= next_key ORDER BY ${pk} LIMIT 1000) AS batch;
    UPDATE ${n.table} SET ${n.column} = FILL_IN_VALUE WHERE ${pk} >= next_key AND ${pk} <= batch_end AND ${n.column} IS NULL;
    COMMIT;
    SELECT min(${pk}) INTO next_key FROM ${n.table} WHERE ${pk} > batch_end;
  END LOOP;
END
$$;
`;
}

/** SQL texts for the four steps: `[up, down]` each (down undefined where the flavor keeps no rollback). */
function sqlFiles(n: Names, sql: ReturnType<typeof stepSql>, about: Step[]): Array<[string, string]> {
  const header = (s: Step) => s.about.map((l) => `-- ${l}`).join('\n');
  const lines = (...qs: string[]) => qs.map((q) => `${q};`).join('\n');
  return [
    [`${header(about[0]!)}\n${lines(sql.add)}\n`, `${lines(sql.dropColumn)}\n`],
    [`${header(about[1]!)}\n${sqlBackfill(n)}`, `-- Nothing to undo here: the values go with the column when step 1 is rolled back.\nSELECT 1;\n`],
    [`${header(about[2]!)}\n${lines(sql.addCheck)}\n`, `${lines(sql.dropCheck)}\n`],
    [`${header(about[3]!)}\n${lines(sql.validate, sql.setNotNull, sql.dropCheck)}\n`, `${lines(sql.addCheck, sql.dropNotNull)}\n`],
  ];
}

/** The folder's flavor from the migration's name and text; undefined when no fix is offered for it. */
function flavorOf(fileName: string, text: string, siblings: readonly string[]): Flavor | undefined {
  const base = path.basename(fileName);
  if (/\.(c?js)$/.test(base)) return 'knex-js';
  if (/\.ts$/.test(base) && !/\.d\.ts$/.test(base)) return 'knex-ts';
  if (!/\.sql$/i.test(base) || /down\.sql$/i.test(base)) return undefined;
  if (/--\s*migrate:up/.test(text)) return 'dbmate';
  if (/\.up\.sql$/i.test(base)) return 'sql-updown';
  if (/^V\d+__/.test(base)) return siblings.some((s) => /^U\d+__/.test(s)) ? undefined : 'flyway';
  return 'sql';
}

/** The rollback's DROP COLUMN of this column, as whole lines to comment out; `null` when there is none; undefined when it cannot be done safely. */
function downDrop(text: string, doc: ReturnType<typeof parseDocument>, op: Extract<Operation, { type: 'addColumn' }>, after: number, inDown: (o: Operation) => boolean) {
  const drops = doc.operations.filter(
    (o) => o.type === 'dropColumn' && o.range.start >= after && inDown(o) && o.table.toLowerCase() === op.table.toLowerCase() && o.column === op.column,
  );
  if (drops.length === 0) return null;
  if (drops.length > 1) return undefined;
  return ownStatement(text, doc.operations, doc.statements, drops[0]!);
}

/**
 * The rewriting fix for the `adding-required-field` finding at `input.offset`, or undefined when none is offered:
 * not PostgreSQL, not a Knex or SQL migration, a statement that holds more than this column or shares its lines with
 * other code, a PRIMARY KEY column, an unknown file-numbering convention, or a rollback that cannot be kept working.
 */
export function requiredFieldFix(input: RequiredFieldFixInput): RequiredFieldFix | undefined {
  if (input.dialect !== 'postgresql') return undefined;
  const base = path.basename(input.fileName);
  const flavor = flavorOf(base, input.text, input.siblings);
  if (!flavor) return undefined;
  const doc = parseDocument(input.text, { fileName: input.fileName, dialect: input.dialect });
  const op = doc.operations.find(
    (o): o is Extract<Operation, { type: 'addColumn' }> => o.type === 'addColumn' && o.range.start === input.offset && o.notNull && !o.hasDefault,
  );
  if (!op || op.primaryKey || op.phase === 'down') return undefined;
  const knex = flavor === 'knex-js' || flavor === 'knex-ts';
  if (knex ? op.origin !== 'knex' && op.origin !== 'knex-raw' : op.origin !== 'sql') return undefined;

  // The column definition without NOT NULL: the builder chain without `.notNullable()`, or the SQL sub-command.
  const written = input.text.slice(op.range.start, op.range.end);
  let addBuilder: string | undefined;
  let addColumn = '';
  if (op.origin === 'knex') {
    const pattern = /\s*\.\s*notNullable\s*\(\s*\)/g;
    if ((written.match(pattern) ?? []).length !== 1) return undefined;
    addBuilder = written.replace(pattern, '');
  } else {
    const pattern = /\s+NOT\s+NULL\b/gi;
    // Inside a JS string the text must need no unescaping; a CHECK (… IS NOT NULL) would be ambiguous.
    if ((written.match(pattern) ?? []).length !== 1 || /['"`\\$]|\bCHECK\b/i.test(written.replace(/"[^"\\]*"/g, ''))) return undefined;
    addColumn = written.replace(pattern, '');
  }

  const versions = nextVersions(base, input.siblings, input.now, 4);
  if (!versions) return undefined;
  const ext = flavor === 'sql-updown' ? '.up.sql' : path.extname(base);
  const about = steps(op, base);
  const names = about.map((s, i) => `${versions.prefix(i)}${normalizeMigrationName(s.stem)}`);
  const n = namesOf(op);
  const sql = stepSql(n, addColumn);

  // The statement itself, and the rollback's DROP COLUMN of the column (same file, dbmate's down section, or .down.sql).
  const own = ownStatement(input.text, doc.operations, doc.statements, op);
  if (!own) return undefined;
  const prefix = knex ? '//' : '--';
  const moved = `Migration Guard (adding-required-field): moved to ${names[0]}${ext} … ${names[3]}${ext}, which add the column nullable, backfill it, then set NOT NULL:`;
  const edits = commentOut(input.text, own, prefix, moved);
  let downEdits: TextEdit[] = [];
  const movedDown = `Migration Guard (adding-required-field): the column is dropped by the rollback of ${names[0]}${ext} now:`;
  if (knex) {
    const drop = downDrop(input.text, doc, op, 0, (o) => o.phase === 'down');
    if (drop === undefined) return undefined;
    if (drop) edits.push(...commentOut(input.text, drop, prefix, movedDown));
  } else if (flavor === 'dbmate') {
    const marker = /--\s*migrate:down/.exec(input.text);
    if (marker && op.range.start > marker.index) return undefined;
    if (marker) {
      const drop = downDrop(input.text, doc, op, marker.index, () => true);
      if (drop === undefined) return undefined;
      if (drop) edits.push(...commentOut(input.text, drop, prefix, movedDown));
    }
  } else if (flavor === 'sql-updown' && input.downText !== undefined) {
    const downDoc = parseDocument(input.downText, { fileName: base.replace(/\.up\.sql$/i, '.down.sql'), dialect: input.dialect });
    const drop = downDrop(input.downText, downDoc, op, 0, () => true);
    if (drop === undefined) return undefined;
    if (drop) downEdits = commentOut(input.downText, drop, prefix, movedDown);
  }
  edits.sort((a, b) => a.start - b.start);

  let files: NewMigrationFile[];
  if (knex) {
    const texts = knexFiles(flavor === 'knex-ts', n, sql, addBuilder, about);
    files = texts.map((text, i) => ({ fileName: `${names[i]}${ext}`, text }));
  } else {
    const texts = sqlFiles(n, sql, about);
    files = texts.flatMap(([up, down], i): NewMigrationFile[] => {
      if (flavor === 'sql-updown') return [{ fileName: `${names[i]}.up.sql`, text: up }, { fileName: `${names[i]}.down.sql`, text: down }];
      if (flavor === 'dbmate') {
        const tx = i === 1 ? ' transaction:false' : '';
        return [{ fileName: `${names[i]}.sql`, text: `-- migrate:up${tx}\n${up}\n-- migrate:down${tx}\n${down}` }];
      }
      // Flyway without undo scripts, and bare numbered folders: the rollback is written out as a comment.
      return [{ fileName: `${names[i]}.sql`, text: `${up}\n-- To roll back:\n${down.split('\n').filter(Boolean).map((l) => `--   ${l}`).join('\n')}\n` }];
    });
  }
  return { title: `Rewrite as safe migrations: add "${op.column}" nullable, backfill, then SET NOT NULL (${files.length} new files)`, files, edits, downEdits };
}
