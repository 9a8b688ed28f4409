/**
 * `validate --write-migration <name>`: a new Knex migration, named as `new` names files, whose `up` brings the
 * migration history in line with the live schema (the drift `validate` found) and whose `down` reverses it
 * (schema/generate.ts writes the code). Linted with the project's own linter (the lint driver, lint-files.ts);
 * its findings go at the top as comments. Written for review, never run.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { ConfigCache, ConfigError, effectiveOptions } from '../../config';
import type { DriftItem, WrittenMigration } from '../../protocol';
import { EngineError } from '../errors';
import { invalidConfiguration, lintFiles, withPositions } from '../lint-files';
import type { PlannedMigrationFile } from '../project/scaffold';
import type { LoadedProject } from '../project/project';
import { generateMigration, type SchemaSide } from './generate';

/**
 * Writes the migration for `drift` (from `sides`, what the schema step compared) at `planned`, never over a file.
 * @throws EngineError `no-drift` when `drift` is empty (nothing is written); `usage` (the file appeared meanwhile,
 *   an invalid `.migration-guard.json`).
 */
export async function writeDriftMigration(project: LoadedProject, planned: PlannedMigrationFile, drift: DriftItem[], sides: { expected: SchemaSide; actual: SchemaSide }): Promise<WrittenMigration> {
  if (drift.length === 0) {
    throw new EngineError('no-drift', 'The live schema matches the applied migrations: there is no drift to write a migration for. Nothing was written.', 'Write new schema changes with: migration-guard new <name>');
  }
  const generated = generateMigration(sides.expected, sides.actual, planned.ext);
  const lintText = async (text: string) => {
    const cache = new ConfigCache();
    try {
      const [linted] = await lintFiles([{ path: planned.file, text, explicit: true }], {
        optionsFor: (filePath) => effectiveOptions({ filePath, dialectOverride: project.family === 'postgresql' ? 'postgresql' : 'sqlite', cache }),
      });
      return linted ? withPositions(linted.text, linted.findings) : [];
    } catch (error) {
      if (error instanceof ConfigError) throw invalidConfiguration(error);
      throw error;
    }
  };
  const found = await lintText(generated.text);
  const header = found.length
    ? [
        `// Migration Guard lint: ${found.length} finding${found.length === 1 ? '' : 's'} in this file (review each before committing):`,
        ...found.map((f) => `// - ${f.severity} ${f.ruleId} (line ${f.line + found.length + 1}): ${f.message.replace(/\s+/g, ' ')}`),
      ]
    : [];
  const text = header.length ? `${header.join('\n')}\n${generated.text}` : generated.text;
  const findings = found.map((f) => ({ ...f, line: f.line + header.length, endLine: f.endLine + header.length }));
  await mkdir(planned.dir, { recursive: true });
  try {
    await writeFile(planned.file, text, { flag: 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw new EngineError('usage', `${planned.file} already exists.`, 'Wait a second or choose another name.');
    throw err;
  }
  return { path: planned.file, name: planned.fileName, findings, notes: generated.notes };
}
