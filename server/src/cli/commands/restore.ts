/** `migration-guard restore <backup> [--yes] [--force-disconnect]`: verifies the backup, saves the database, restores. */
import { restore as restoreBackup } from '../../migrations/backups/restore';
import type { commands } from '../../protocol';
import { formatRestore } from '../format';
import type { Handler } from '../register';

export const restore: Handler<typeof commands.restore> = async (ctx, { backup, ...flags }) => {
  const p = await ctx.project(flags);
  await ctx.confirm(flags.yes, `Replace the contents of ${p.info.connection} with ${backup}? (a safety backup is taken first)`, 'restore');
  const result = await restoreBackup(p, backup, { log: ctx.progress, cwd: ctx.io.cwd, ...(flags.forceDisconnect ? { forceDisconnect: true } : {}) });
  ctx.emit(flags, result, () => formatRestore(result));
};
