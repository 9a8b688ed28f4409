/**
 * The sides `schema snapshot` and `schema diff` compare: a snapshot file, the live database, or
 * the migrations folder replayed in a scratch database.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { SchemaModel, SchemaSource } from '../../protocol';
import type { LoadedProject } from '../project/project';
import { databaseAbsent, openKnex, silentLog, type EngineLog } from '../db';
import { EngineError, errorMessage } from '../errors';
import { introspect, targetOf } from './introspect';
import { makeModel, SCHEMA_MODEL_VERSION } from './model';
import { buildExpectedSchema } from './scratch';

/** Keywords of {@link resolveSchemaSource}; anything else is a snapshot file path. */
export const SOURCE_KEYWORDS = { database: 'database', migrations: 'migrations' } as const;

function requireSupported(project: LoadedProject): void {
  if (project.family === 'other') throw new EngineError('usage', `Schema snapshots support SQLite and PostgreSQL, not '${project.client}'.`);
}

/** The live database's schema (an SQLite file that does not exist yet: an empty model; nothing is created). @throws EngineError setup codes. */
export async function liveSchema(project: LoadedProject, log: EngineLog = silentLog): Promise<SchemaModel> {
  requireSupported(project);
  if (databaseAbsent(project)) return makeModel('sqlite', 'main', [], []);
  const db = await openKnex(project, log);
  try {
    return await introspect(db, targetOf(project));
  } finally {
    await db.destroy();
  }
}

/**
 * Reads a snapshot file written by `schema snapshot`.
 * @throws EngineError `usage` when it cannot be read or is not a snapshot of this format.
 */
export function readSnapshot(file: string): SchemaModel {
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new EngineError('usage', `Cannot read the schema snapshot ${file}: ${errorMessage(err)}`, 'Write one with: migration-guard schema snapshot --out FILE');
  }
  const m = data as Partial<SchemaModel> | null;
  if (!m || m.version !== SCHEMA_MODEL_VERSION || (m.dialect !== 'sqlite' && m.dialect !== 'postgresql') || !Array.isArray(m.tables) || !Array.isArray(m.views)) {
    throw new EngineError('usage', `${file} is not a schema snapshot of version ${SCHEMA_MODEL_VERSION} (fields version, dialect, tables, views).`, 'Write one with: migration-guard schema snapshot --out FILE');
  }
  return m as SchemaModel;
}

/**
 * Resolves one side of a comparison: `database` (the live database), `migrations` (every migration
 * file replayed in a scratch database, in Knex's order), else a snapshot file (relative to `cwd`).
 * @throws EngineError `usage` (unreadable snapshot), `migration-failed` (a migration fails on the scratch), setup codes.
 */
export async function resolveSchemaSource(project: LoadedProject, spec: string, cwd: string, log: EngineLog = silentLog): Promise<{ source: SchemaSource; model: SchemaModel }> {
  if (spec === SOURCE_KEYWORDS.database) {
    return { source: { kind: 'database', description: project.info.connection }, model: await liveSchema(project, log) };
  }
  if (spec === SOURCE_KEYWORDS.migrations) {
    requireSupported(project);
    return { source: { kind: 'migrations', description: project.migrations.directories.join(', ') }, model: await buildExpectedSchema(project, { all: true }, { log }) };
  }
  const file = path.resolve(cwd, spec);
  return { source: { kind: 'file', description: file }, model: readSnapshot(file) };
}
