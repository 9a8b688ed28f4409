/** `migration-guard stats [--out FILE] [--count-timeout S]`: row estimates and sizes of the database's tables, for `check --stats`. */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { tableStats } from '../../migrations/schema/stats';
import { parseTimeoutSeconds } from '../../migrations/timeouts';
import { DEFAULT_COUNT_TIMEOUT_SECONDS, type commands } from '../../protocol';
import { formatStatsWritten } from '../format';
import type { Handler } from '../register';

/** Prints the statistics as JSON on stdout (with or without `--json`), or writes them to `--out` and says so. */
export const stats: Handler<typeof commands.stats> = async (ctx, flags) => {
  const countTimeoutMs = parseTimeoutSeconds('--count-timeout', flags.countTimeout) ?? DEFAULT_COUNT_TIMEOUT_SECONDS * 1000;
  const p = await ctx.project(flags);
  const result = await tableStats(p, { countTimeoutMs, log: ctx.progress });
  const json = `${JSON.stringify(result, null, 2)}\n`;
  if (flags.out) {
    const file = path.resolve(ctx.folderOf(flags), flags.out);
    writeFileSync(file, json);
    ctx.emit(flags, result, () => formatStatsWritten(result, file));
  } else {
    ctx.emit({ json: true }, result, () => json);
  }
};
