/** `migration-guard mark-applied <name> [--confirm DB]`: records a migration as applied without running it (baseline). */
import { markApplied as markMigrationApplied } from '../../migrations';
import type { commands } from '../../protocol';
import { formatMark } from '../format';
import type { Handler } from '../register';

export const markApplied: Handler<typeof commands.markApplied> = async (ctx, { name, ...flags }) => {
  const result = await markMigrationApplied(await ctx.project(flags), name, ctx.writeOptions(flags.confirm));
  ctx.emit(flags, result, () => formatMark(result));
};
