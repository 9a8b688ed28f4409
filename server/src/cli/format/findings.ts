/** Text of the analyzer's findings (`check`, and an upgrade's plan). */
import type { CheckFinding } from '../../protocol';

/** `file:line:col  severity  message  rule-id` lines and an ESLint-like summary. */
export function formatFindings(findings: CheckFinding[], fileCount?: number): string {
  const lines = findings.map((f) => `${f.file}:${f.line}:${f.column}  ${f.severity}  ${f.message}  ${f.ruleId}`);
  const count = (s: string) => findings.filter((f) => f.severity === s).length;
  if (findings.length === 0) {
    lines.push(fileCount === undefined ? 'No problems found.' : `No problems found in ${fileCount} file${fileCount === 1 ? '' : 's'}.`);
  } else {
    const parts = [`${count('error')} error${count('error') === 1 ? '' : 's'}`, `${count('warning')} warning${count('warning') === 1 ? '' : 's'}`];
    if (count('info') > 0) parts.push(`${count('info')} info`);
    lines.push('', `${findings.length} problem${findings.length === 1 ? '' : 's'} (${parts.join(', ')})`);
  }
  return lines.join('\n');
}
