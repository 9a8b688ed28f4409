/** `migration-guard validate`: migration files, lock, database integrity and schema drift. */
import { validate as validateProject } from '../../migrations';
import type { commands } from '../../protocol';
import { exitCode } from '../context';
import { formatDrift, formatValidation, formatWrittenMigration } from '../format';
import type { Handler } from '../register';

/** Exit 1 when invalid (a problem of either severity, or drift), also after writing a migration (`--write-migration`): the database still drifts. */
export const validate: Handler<typeof commands.validate> = async (ctx, { writeMigration, ...flags }) => {
  const result = await validateProject(await ctx.project(flags), { log: ctx.progress, ...(writeMigration !== undefined ? { writeMigration: { name: writeMigration } } : {}) });
  ctx.emit(flags, result, () => [formatValidation(result), formatDrift(result.drift), result.writtenMigration ? formatWrittenMigration(result.writtenMigration) : ''].filter(Boolean).join('\n'));
  return exitCode(!result.valid);
};
