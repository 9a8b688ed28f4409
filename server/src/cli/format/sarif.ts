/**
 * `check --format sarif`: a SARIF 2.1.0 log for code scanning (GitHub `upload-sarif`).
 * Shapes follow the OASIS SARIF 2.1.0 specification (sections 3.13 sarifLog, 3.14 run, 3.19 toolComponent,
 * 3.27 result, 3.28 location, 3.30 region, 3.49 reportingDescriptor). Columns are UTF-16 code units,
 * 1-based (`columnKind: utf16CodeUnits`), as `check --format json` reports them.
 */
import path from 'node:path';
import type { CheckFinding, Severity } from '../../protocol';

/** What the SARIF formatter needs to know about a rule (a subset of the analyzer's RuleMeta). */
export interface SarifRuleInfo {
  id: string;
  title: string;
  description?: string;
  /** `off`: the rule is disabled unless configured (SARIF `enabled: false`, level `none`). */
  defaultSeverity: Severity | 'off';
  /** Repository-relative page, e.g. `docs/rules/<id>.md`. */
  docsPath?: string;
}

/** SARIF `level` per severity. */
export const sarifLevel: Record<Severity, 'error' | 'warning' | 'note'> = { error: 'error', warning: 'warning', info: 'note' };

/** Options of {@link toSarif}. */
export interface SarifOptions {
  /** Folder the artifact URIs are made relative to (the CLI's working folder). */
  cwd: string;
  /** Tool version, e.g. `0.1.0`. */
  version: string;
  /** Every known rule (in registry order); rules only seen in findings are added. */
  rules: readonly SarifRuleInfo[];
  /**
   * Absolute URL of the repository root (ending in `/`) when published: rules then get
   * `helpUri = <docsBase>docs/rules/<id>.md`. SARIF 2.1.0 (§3.49.12) wants an absolute `helpUri`, so without a
   * base there is none, and `help.text` names the repository-relative page instead.
   */
  docsBase?: string;
}

/** Minimal typed SARIF 2.1.0 shapes we emit. */
export interface SarifLog {
  $schema: string;
  version: '2.1.0';
  runs: {
    tool: { driver: { name: string; version: string; informationUri?: string; rules: SarifRule[] } };
    columnKind: 'utf16CodeUnits';
    results: SarifResult[];
  }[];
}
export interface SarifRule {
  id: string;
  name?: string;
  shortDescription: { text: string };
  fullDescription?: { text: string };
  helpUri?: string;
  help: { text: string };
  defaultConfiguration: { level: 'error' | 'warning' | 'note' | 'none'; enabled?: false };
}
export interface SarifResult {
  ruleId: string;
  ruleIndex: number;
  level: 'error' | 'warning' | 'note';
  message: { text: string };
  locations: {
    physicalLocation: {
      artifactLocation: { uri: string; uriBaseId: '%SRCROOT%' };
      region: { startLine: number; startColumn: number; endLine: number; endColumn: number };
    };
  }[];
}

/** A relative, `/`-separated, percent-encoded URI reference for a file path. */
export function relativeUri(file: string, cwd: string): string {
  const rel = path.isAbsolute(file) ? path.relative(cwd, file) : file;
  return rel
    .split(/[\\/]/)
    .filter((seg) => seg !== '.' && seg !== '')
    .map((seg) => encodeURIComponent(seg))
    .join('/');
}

function docsPath(r: SarifRuleInfo): string {
  return r.docsPath ?? `docs/rules/${r.id}.md`;
}

/** Builds the SARIF log for `check` findings. Pure. */
export function toSarif(findings: readonly CheckFinding[], options: SarifOptions): SarifLog {
  const docsBase = options.docsBase ?? '';
  const rules: SarifRule[] = [];
  const index = new Map<string, number>();
  const addRule = (r: SarifRuleInfo) => {
    if (index.has(r.id)) return;
    index.set(r.id, rules.length);
    rules.push({
      id: r.id,
      name: r.title,
      shortDescription: { text: r.title },
      ...(r.description ? { fullDescription: { text: r.description } } : {}),
      ...(docsBase ? { helpUri: `${docsBase}${docsPath(r)}` } : {}),
      help: { text: `${r.description ?? r.title} Documentation: ${docsPath(r)}` },
      defaultConfiguration: r.defaultSeverity === 'off' ? { level: 'none', enabled: false } : { level: sarifLevel[r.defaultSeverity] },
    });
  };
  for (const r of options.rules) addRule(r);
  for (const f of findings) if (!index.has(f.ruleId)) addRule({ id: f.ruleId, title: f.ruleId, defaultSeverity: f.severity });
  const results: SarifResult[] = findings.map((f) => ({
    ruleId: f.ruleId,
    ruleIndex: index.get(f.ruleId) ?? 0,
    level: sarifLevel[f.severity],
    message: { text: f.message },
    locations: [
      {
        physicalLocation: {
          artifactLocation: { uri: relativeUri(f.file, options.cwd), uriBaseId: '%SRCROOT%' },
          region: { startLine: f.line, startColumn: f.column, endLine: f.endLine, endColumn: f.endColumn },
        },
      },
    ],
  }));
  return {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [{ tool: { driver: { name: 'migration-guard', version: options.version, rules } }, columnKind: 'utf16CodeUnits', results }],
  };
}
