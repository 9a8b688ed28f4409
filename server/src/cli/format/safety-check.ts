/** Text of `safety-check`: one line per check with what to do, the details behind them, and the verdict. */
import type { SafetyCheckResult, SafetyCheckStatus } from '../../protocol';
import { formatFindings } from './findings';
import { formatDrift } from './schema';

const LABELS: Record<SafetyCheckStatus, string> = { ok: 'ok', warn: 'warn', fail: 'FAIL', skipped: 'skip' };

/**
 * `Database: …`, then `ok|warn|FAIL|skip  <title>: <message>` per check with `hint: …` under a failure or warning,
 * the drift by table and the pending findings when there are any, and last the verdict line.
 */
export function formatSafetyCheck(r: SafetyCheckResult): string {
  const lines = [`Database: ${r.project.client} ${r.project.connection}`, ''];
  for (const c of r.checks) {
    lines.push(`${LABELS[c.status].padEnd(4)}  ${c.title}: ${c.message}`);
    if (c.hint) lines.push(`      hint: ${c.hint}`);
  }
  const drift = formatDrift(r.drift);
  if (drift) lines.push('', drift);
  if (r.findings.length > 0) lines.push('', 'Findings in the pending migrations:', formatFindings(r.findings));
  const failed = r.checks.filter((c) => c.status === 'fail').map((c) => c.id);
  const warned = r.checks.filter((c) => c.status === 'warn').length;
  lines.push(
    '',
    r.safe
      ? `Safe to migrate${warned ? ` (${warned} warning${warned === 1 ? '' : 's'} to review)` : ''}: ${r.pending.length ? `${r.pending.length} pending` : 'nothing pending'}.`
      : `NOT safe to migrate: ${failed.length} check${failed.length === 1 ? '' : 's'} failed (${failed.join(', ')}).`,
  );
  return lines.join('\n');
}
