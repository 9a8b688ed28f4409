/** `migration-guard backup [--label L] [--verify]`: a backup of the database and its manifest. */
import { backup as backupProject } from '../../migrations/backups/backup';
import type { commands } from '../../protocol';
import { formatBackup } from '../format';
import type { Handler } from '../register';

export const backup: Handler<typeof commands.backup> = async (ctx, flags) => {
  const result = await backupProject(await ctx.project(flags), { log: ctx.progress, ...(flags.label ? { label: flags.label } : {}), ...(flags.verify ? { verify: true } : {}) });
  ctx.emit(flags, result, () => formatBackup(result));
};
