/**
 * `check --format github`: GitHub Actions workflow commands, one annotation per finding
 * (https://docs.github.com/actions/reference/workflow-commands-for-github-actions#setting-an-error-message).
 */
import type { CheckFinding, Severity } from '../../protocol';

/** Workflow command per severity: `info` findings become notices. */
const commandOf: Record<Severity, 'error' | 'warning' | 'notice'> = { error: 'error', warning: 'warning', info: 'notice' };

/** Escapes a command's message (data): `%`, CR and LF, as @actions/core `escapeData` does. */
export function escapeData(value: string): string {
  return value.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

/** Escapes a property value: {@link escapeData} plus `:` and `,`, as @actions/core `escapeProperty` does. */
export function escapeProperty(value: string): string {
  return escapeData(value).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

/**
 * One `::error file=…,line=…,col=…,endLine=…,endColumn=…,title=<rule>::message` line per finding
 * (`::warning`/`::notice` by severity). Paths are printed `/`-separated, as given.
 */
export function formatGithub(findings: readonly CheckFinding[]): string {
  return findings
    .map((f) => {
      const props = [
        `file=${escapeProperty(f.file.replace(/\\/g, '/'))}`,
        `line=${f.line}`,
        `col=${f.column}`,
        `endLine=${f.endLine}`,
        `endColumn=${f.endColumn}`,
        `title=${escapeProperty(f.ruleId)}`,
      ];
      return `::${commandOf[f.severity]} ${props.join(',')}::${escapeData(`${f.message} (${f.ruleId})`)}`;
    })
    .join('\n');
}
