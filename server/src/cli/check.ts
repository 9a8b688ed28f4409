/**
 * `migration-guard check`: expands paths into migration files and lints them with the analyzer.
 * Never loads a knexfile (safe in any workspace); `auto` dialect reads the nearest knexfile as text,
 * as the language server does, so the CLI and the editor agree.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { resolveDialect } from '../dialect';
import { rangeToCheckPosition } from '../migrations/positions';
import type { CheckFinding, CheckResult, Dialect } from '../protocol';
import { EngineError } from '../migrations/errors';
import { defaultAnalyzer } from '../migrations/upgrade';

/** Extensions `check` picks up inside directories. */
export const CHECK_EXTENSIONS = ['.sql', '.js', '.ts', '.cjs', '.mjs'];
const SKIP_DIRS = new Set(['node_modules', '.git', '.migration-guard']);

/**
 * Expands command-line paths: files are kept as given; directories are walked recursively for
 * {@link CHECK_EXTENSIONS} (skipping node_modules, .git, .migration-guard), sorted. Paths stay
 * relative when given relative; they are resolved against `cwd` for reading.
 * @throws EngineError `usage` when a path does not exist.
 */
export function expandPaths(paths: string[], cwd: string): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  const add = (p: string) => {
    const abs = path.resolve(cwd, p);
    if (!seen.has(abs)) {
      seen.add(abs);
      out.push(p);
    }
  };
  const walk = (shown: string) => {
    const abs = path.resolve(cwd, shown);
    const entries = readdirSync(abs, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      const child = path.join(shown, e.name);
      if (e.isDirectory()) {
        if (!SKIP_DIRS.has(e.name)) walk(child);
      } else if (e.isFile() && CHECK_EXTENSIONS.includes(path.extname(e.name))) {
        add(child);
      }
    }
  };
  for (const p of paths) {
    let st;
    try {
      st = statSync(path.resolve(cwd, p));
    } catch {
      throw new EngineError('usage', `No such file or directory: ${p}`);
    }
    if (st.isDirectory()) walk(p);
    else add(p);
  }
  return out;
}

/**
 * Lints files and returns ESLint-style 1-based positions.
 * @param dialect `auto` resolves per file from the nearest knexfile's text.
 */
export async function checkFiles(files: string[], cwd: string, dialect: Dialect | 'auto'): Promise<CheckResult> {
  await defaultAnalyzer.init();
  const findings: CheckFinding[] = [];
  for (const file of files) {
    const abs = path.resolve(cwd, file);
    const text = readFileSync(abs, 'utf8');
    const d = resolveDialect(dialect, abs);
    for (const f of defaultAnalyzer.analyze(text, { fileName: abs, dialect: d })) {
      findings.push({ file, ruleId: f.ruleId, severity: f.severity, message: f.message, ...rangeToCheckPosition(text, f.start, f.end) });
    }
  }
  return { findings };
}
