/** `migration-guard validate`: migration files, lock, database integrity and schema drift. */
import { validate as validateProject } from '../../migrations';
import type { commands } from '../../protocol';
import { exitCode } from '../context';
import { formatDrift, formatValidation } from '../format';
import type { Handler } from '../register';

/** Exit 1 when invalid (a problem of either severity, or drift). */
export const validate: Handler<typeof commands.validate> = async (ctx, flags) => {
  const result = await validateProject(await ctx.project(flags), { log: ctx.progress });
  ctx.emit(flags, result, () => [formatValidation(result), formatDrift(result.drift)].filter(Boolean).join('\n'));
  return exitCode(!result.valid);
};
