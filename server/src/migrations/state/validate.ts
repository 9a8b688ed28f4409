/**
 * Validation of the migration state: every applied migration still has its file and (where
 * Migration Guard recorded a checksum) its file is unchanged, the lock is free, and (SQLite)
 * `PRAGMA integrity_check` answers `ok`. Read-only.
 */
import type { Knex } from 'knex';
import type { ValidateResult, ValidationProblem } from '../../protocol';
import type { LoadedProject } from '../project/project';
import { databaseAbsent, openKnex, silentLog } from '../db';
import { readStatus, type OperationOptions } from './status';
import { checkSchema } from '../schema/drift';
import { writeDriftMigration } from '../schema/write-migration';
import { EngineError } from '../errors';
import { plannedMigrationFile, type PlannedMigrationFile } from '../project/scaffold';

/** Validation using an already-open Knex instance (null: the SQLite file does not exist yet). */
export async function runValidation(db: Knex | null, project: LoadedProject): Promise<ValidateResult> {
  const checked = ['migration files', 'checksums', 'lock'];
  const problems: ValidationProblem[] = [];
  // Checksums too: an edited applied migration is a state status shows, and validate must not call it valid.
  const status = await readStatus(db, project);
  for (const m of status.migrations) {
    if (m.state === 'missing') {
      problems.push({
        code: 'missing-file',
        severity: 'error',
        migration: m.name,
        message: `Migration ${m.name} is recorded as applied (batch ${m.batch ?? '?'}) but no file with that name exists in ${project.migrations.directories.join(', ')}.`,
      });
    } else if (m.state === 'edited') {
      problems.push({
        code: 'edited',
        severity: 'warning',
        migration: m.name,
        message: `Migration ${m.name} was edited after it was applied (batch ${m.batch ?? '?'}): its sha256 differs from the one recorded when it ran, so the database may not have what the file now says.`,
      });
    }
  }
  if (status.lock.held) {
    problems.push({
      code: 'lock-held',
      severity: 'error',
      message: `The migration lock (${project.migrations.tableName}_lock.is_locked = 1) is held: another migration is running, or one crashed. If none is running, free it with 'migration-guard unlock' (in the editor: Migration Guard: Unlock), which checks that first.`,
    });
  }
  if (db && project.family === 'sqlite') {
    checked.push('PRAGMA integrity_check');
    const rows = (await db.raw('PRAGMA integrity_check')) as Array<Record<string, unknown>>;
    const lines = rows.map((r) => String(Object.values(r)[0]));
    if (!(lines.length === 1 && lines[0] === 'ok')) {
      problems.push({ code: 'integrity-check', severity: 'error', message: `PRAGMA integrity_check reported: ${lines.slice(0, 10).join('; ')}` });
    }
  }
  return { valid: problems.length === 0, problems, checked };
}

/**
 * Validates the project's migration state. Problems are reported, not thrown:
 * `missing-file`, `lock-held`, `integrity-check` (severity error), `edited` (warning), and the schema step's
 * (schema/drift.ts): `drift` lists the differences from the applied migrations replayed in a scratch database.
 * Any problem or drift item makes the result invalid. Read-only on the project's database; an absent SQLite
 * file is valid.
 * @throws EngineError `connection`, `driver-missing` when the database cannot be reached.
 */
export async function validate(project: LoadedProject, options: ValidateOptions = {}): Promise<ValidateResult> {
  // The name and the file are checked before the (slow) drift check.
  const planned = options.writeMigration ? await plannedMigrationFile(project, options.writeMigration.name, options.writeMigration.now ?? new Date(), 'Example: migration-guard validate --write-migration sync_schema') : null;
  if (planned && project.family === 'other') throw new EngineError('usage', `--write-migration supports SQLite and PostgreSQL, not '${project.client}'.`);
  if (databaseAbsent(project)) return withSchemaCheck(await runValidation(null, project), null, project, options, planned);
  const db = await openKnex(project, options.log ?? silentLog);
  try {
    return await withSchemaCheck(await runValidation(db, project), db, project, options, planned);
  } finally {
    await db.destroy();
  }
}

/** Options of {@link validate}. */
export interface ValidateOptions extends OperationOptions {
  /** Also write a migration from the drift (`--write-migration <name>`; `now` fixes its timestamp, for tests). */
  writeMigration?: { name: string; now?: Date };
}

/**
 * The schema step (schema/drift.ts): drift against the replayed migrations and integrity; any drift item makes the result invalid.
 * With `planned`, the migration of the drift is written there (schema/write-migration.ts).
 * @throws EngineError `no-drift` (planned, but no drift), `migration-failed` (planned, but drift could not be checked).
 */
async function withSchemaCheck(result: ValidateResult, db: Knex | null, project: LoadedProject, options: OperationOptions, planned: PlannedMigrationFile | null): Promise<ValidateResult> {
  const schema = await checkSchema(db, project, options.log ?? silentLog, { keepSides: planned !== null });
  const problems = [...result.problems, ...schema.problems];
  const out: ValidateResult = { project: project.info, ...result, valid: problems.length === 0 && schema.drift.length === 0, problems, checked: [...result.checked, ...schema.checked], drift: schema.drift };
  if (!planned) return out;
  if (!schema.sides) {
    const why = schema.problems.find((p) => p.code === 'drift-unchecked')?.message ?? 'The database does not exist yet: nothing is applied, so there is no drift.';
    throw new EngineError(schema.problems.some((p) => p.code === 'drift-unchecked') ? 'migration-failed' : 'no-drift', `No migration was written. ${why}`);
  }
  out.writtenMigration = await writeDriftMigration(project, planned, schema.drift, schema.sides);
  return out;
}
