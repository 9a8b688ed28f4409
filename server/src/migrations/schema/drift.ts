/**
 * The schema step of `validate`: drift of the live database against its applied migrations
 * replayed in a scratch database, plus integrity checks the catalog can answer:
 * SQLite `PRAGMA foreign_key_check` (sqlite.org/pragma.html#pragma_foreign_key_check);
 * PostgreSQL indexes left invalid by a failed `CREATE INDEX CONCURRENTLY` (`pg_index.indisvalid`,
 * PostgreSQL docs "CREATE INDEX: Building Indexes Concurrently") and constraints added `NOT VALID`
 * and never validated (`pg_constraint.convalidated`).
 */
import type { Knex } from 'knex';
import type { DriftItem, ValidationProblem } from '../../protocol';
import type { LoadedProject } from '../project/project';
import { readMigrationRows, silentLog, type EngineLog } from '../db';
import { errorMessage, isEngineError } from '../errors';
import { listMigrationFiles } from '../project/files';
import { diffSchemas } from './diff';
import type { SchemaSide, SqliteDefinitions } from './generate';
import { introspect, readSqliteDefinitions, targetOf } from './introspect';
import { buildExpectedSchema } from './scratch';

/** What the schema step adds to a validation. */
export interface SchemaCheckResult {
  drift: DriftItem[];
  problems: ValidationProblem[];
  checked: string[];
  /** With `keepSides`: both models compared (and, on SQLite, their CREATE texts), for writing a migration; absent when drift was not computed. */
  sides?: { expected: SchemaSide; actual: SchemaSide };
}

/**
 * Runs the schema step on an open database (`db` null: the SQLite file does not exist yet, so
 * nothing is applied and nothing exists: no drift). Problems are reported, not thrown:
 * `drift-unchecked` (the expected schema could not be built), `foreign-key-check`, `invalid-index`,
 * `not-valid-constraint`. Setup errors (connection) are thrown.
 */
export async function checkSchema(db: Knex | null, project: LoadedProject, log: EngineLog = silentLog, options: { keepSides?: boolean } = {}): Promise<SchemaCheckResult> {
  const out: SchemaCheckResult = { drift: [], problems: [], checked: [] };
  if (project.family === 'other') {
    log('warn', `Schema drift is not checked for client '${project.client}' (SQLite and PostgreSQL only).`);
    return out;
  }
  out.checked.push('schema drift');
  if (!db) return out;
  out.problems.push(...(await integrityProblems(db, project)));
  out.checked.push(project.family === 'sqlite' ? 'PRAGMA foreign_key_check' : 'invalid indexes and NOT VALID constraints');

  const { tableName, schemaName } = project.migrations;
  const { rows } = await readMigrationRows(db, tableName, schemaName);
  const fileList = (await listMigrationFiles(project.migrations)).map((f) => f.name);
  const files = new Set(fileList);
  const missing = rows.filter((r) => !files.has(r.name)).map((r) => r.name);
  if (missing.length) {
    out.problems.push({ code: 'drift-unchecked', message: `Schema drift was not checked: the expected schema cannot be rebuilt without the file of ${missing.join(', ')}.` });
    return out;
  }
  const actual = await introspect(db, targetOf(project));
  try {
    const sqlite = options.keepSides && project.family === 'sqlite';
    let expectedSql: SqliteDefinitions | undefined;
    const inspect = sqlite ? async (scratch: Knex) => void (expectedSql = await readSqliteDefinitions(scratch)) : undefined;
    const expected = await buildExpectedSchema(project, { names: rows.map((r) => r.name), inFileOrder: rows.every((r, i) => fileList[i] === r.name) }, { log, admin: db, liveSchema: actual.schema, ...(inspect ? { inspect } : {}) });
    out.drift = diffSchemas(expected, actual);
    if (options.keepSides) {
      out.sides = {
        expected: { model: expected, ...(expectedSql ? { sqlite: expectedSql } : {}) },
        actual: { model: actual, ...(sqlite ? { sqlite: await readSqliteDefinitions(db) } : {}) },
      };
    }
  } catch (err) {
    if (!isEngineError(err) || err.code !== 'migration-failed') throw err;
    out.problems.push({ code: 'drift-unchecked', message: `Schema drift was not checked: ${errorMessage(err)}${err.hint ? ` ${err.hint}` : ''}` });
  }
  return out;
}

async function integrityProblems(db: Knex, project: LoadedProject): Promise<ValidationProblem[]> {
  const problems: ValidationProblem[] = [];
  if (project.family === 'sqlite') {
    const rows = (await db.raw('PRAGMA foreign_key_check')) as Array<Record<string, unknown>>;
    if (rows.length) {
      const sample = rows.slice(0, 10).map((r) => `${String(r.table)} rowid ${String(r.rowid)} → ${String(r.parent)}`);
      problems.push({ code: 'foreign-key-check', message: `PRAGMA foreign_key_check found ${rows.length} row${rows.length === 1 ? '' : 's'} pointing to no parent: ${sample.join('; ')}${rows.length > 10 ? '; …' : ''}. Fix or delete them before adding or relying on the foreign keys.` });
    }
    return problems;
  }
  const schema = targetOf(project).schema;
  const where = schema ? 'n.nspname = ?' : 'n.nspname = current_schema()';
  const params = schema ? [schema] : [];
  const invalid = (await db.raw(
    `select ic.relname as index, c.relname as table from pg_catalog.pg_index i
       join pg_catalog.pg_class ic on ic.oid = i.indexrelid join pg_catalog.pg_class c on c.oid = i.indrelid
       join pg_catalog.pg_namespace n on n.oid = c.relnamespace
      where not i.indisvalid and ${where} order by 1`,
    params,
  )) as { rows: Array<{ index: string; table: string }> };
  for (const r of invalid.rows) {
    problems.push({ code: 'invalid-index', message: `Index ${r.index} on ${r.table} is INVALID (a CREATE INDEX CONCURRENTLY failed or was cancelled): it is maintained on writes but never used. Drop it and create it again: DROP INDEX CONCURRENTLY ${r.index}; then CREATE INDEX CONCURRENTLY.` });
  }
  const notValid = (await db.raw(
    `select con.conname as name, c.relname as table from pg_catalog.pg_constraint con
       join pg_catalog.pg_class c on c.oid = con.conrelid join pg_catalog.pg_namespace n on n.oid = c.relnamespace
      where not con.convalidated and ${where} order by 2, 1`,
    params,
  )) as { rows: Array<{ name: string; table: string }> };
  for (const r of notValid.rows) {
    problems.push({ code: 'not-valid-constraint', message: `Constraint ${r.name} on ${r.table} was added NOT VALID and never validated: existing rows are not checked. Run ALTER TABLE ${r.table} VALIDATE CONSTRAINT ${r.name}; (in a migration).` });
  }
  return problems;
}
