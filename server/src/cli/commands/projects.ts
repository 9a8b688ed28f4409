/** `migration-guard projects [--cwd DIR]`: every migration project under a folder, of every runner (reads files only). */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { EngineError } from '../../migrations';
import { discoverProjects } from '../../migrations/projects/discover';
import type { commands } from '../../protocol';
import { formatProjects } from '../format';
import type { Handler } from '../register';

/** @throws EngineError `usage` when `--cwd` is not a folder. */
export const projects: Handler<typeof commands.projects> = (ctx, flags) => {
  const dir = path.resolve(ctx.io.cwd, flags.cwd ?? '.');
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) throw new EngineError('usage', `--cwd ${dir} is not a folder.`);
  const result = discoverProjects(dir);
  ctx.emit(flags, result, () => formatProjects(result));
};
