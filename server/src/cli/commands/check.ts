/** `migration-guard check <paths...>`: lints migration files (cli/check.ts) and prints the findings as text, JSON, GitHub annotations or SARIF. */
import type { commands } from '../../protocol';
import { runCheck } from '../check';
import { formatFindings } from '../format/findings';
import { formatGithub } from '../format/github';
import { toSarif } from '../format/sarif';
import { exitCode, type CliOutput } from '../output';
import type { Handler } from '../register';

/** Exit 1 when a finding has error severity. Needs no engine service (the `check` program, check-main.ts, has none). */
export const check: Handler<typeof commands.check, CliOutput> = async (ctx, options) => {
  const format = options.json === true ? 'json' : options.format;
  ctx.json = format === 'json';
  const { result, files } = await runCheck(options.paths, ctx.io.cwd, { dialect: options.dialect, changedSince: options.changedSince, stats: options.stats });
  if (format === 'json') ctx.out(JSON.stringify(result, null, 2));
  else if (format === 'github') ctx.io.stdout(result.findings.length ? `${formatGithub(result.findings)}\n` : '');
  else if (format === 'sarif') {
    const { rules } = await import('../../lint');
    ctx.out(JSON.stringify(toSarif(result.findings, { cwd: ctx.io.cwd, version: ctx.version, rules }), null, 2));
  } else ctx.out(formatFindings(result.findings, files.length));
  return exitCode(result.findings.some((f) => f.severity === 'error'));
};
