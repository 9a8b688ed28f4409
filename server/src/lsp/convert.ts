/**
 * Findings → LSP diagnostics, hovers and code actions. Pure over the analyzer's plain objects;
 * the only LSP dependency is the protocol types.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  CodeAction,
  CodeActionKind,
  CreateFile,
  Diagnostic,
  DiagnosticSeverity,
  Hover,
  InlayHint,
  InlayHintKind,
  MarkupKind,
  Position,
  Range,
  TextDocumentEdit,
  TextEdit,
  type WorkspaceEdit,
} from 'vscode-languageserver';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { describeLock, getRuleMeta, type Finding, type Fix, type TableLock } from '../lint';
import type { RequiredFieldFix } from '../migrations/project/required-field-fix';
import { CONFIG_FILE_NAME, describeSize } from '../config';
import type { Severity, TableSize } from '../protocol';

/** Diagnostic `source` shown by the editor. */
export const diagnosticSource = 'migration-guard';

const severityMap: Record<Severity, DiagnosticSeverity> = {
  error: DiagnosticSeverity.Error,
  warning: DiagnosticSeverity.Warning,
  info: DiagnosticSeverity.Information,
};

let docsRoot: string | null | undefined;

/** Folder holding `rules/<id>.md`, found upward from this module (works bundled in dist/ and from sources). */
function findDocsRoot(): string | null {
  if (docsRoot !== undefined) return docsRoot;
  let dir = __dirname;
  for (let i = 0; i < 6; i++) {
    const candidate = path.join(dir, 'docs', 'rules');
    if (fs.existsSync(candidate)) return (docsRoot = path.dirname(candidate));
    dir = path.dirname(dir);
  }
  return (docsRoot = null);
}

const docsUris = new Map<string, string | undefined>();

/**
 * `file:` URI of a rule's documentation page shipped with the extension, or undefined when absent.
 * Cached per rule id (pages do not come and go while the server runs; a diagnostic list may hold hundreds).
 */
export function ruleDocsUri(ruleId: string): string | undefined {
  if (docsUris.has(ruleId)) return docsUris.get(ruleId);
  const root = findDocsRoot();
  const file = root ? path.join(root, 'rules', `${ruleId}.md`) : undefined;
  const uri = file && fs.existsSync(file) ? pathToFileURL(file).toString() : undefined;
  docsUris.set(ruleId, uri);
  return uri;
}

/** What a diagnostic carries in `data`: its fix, already as LSP text edits of the analyzed version, and its statement's lock. */
export interface DiagnosticData {
  fix?: { title: string; edits: TextEdit[] };
  /** The PostgreSQL table lock the finding's statement takes (`Finding.lock`), for the hover and the inlay hint. */
  lock?: TableLock;
  /** The size of the finding's table (`Finding.tableSize`, with the `statsFile` setting), for the hover. */
  table?: string;
  tableSize?: TableSize;
}

/** The finding's fix (the analyzer's `Finding.fix`: UTF-16 offsets into the analyzed text), when well-formed. */
function fixOf(finding: Finding): Fix | undefined {
  const fix = finding.fix;
  if (!fix || typeof fix.title !== 'string' || !Array.isArray(fix.edits) || fix.edits.length === 0) return undefined;
  return fix;
}

/**
 * Converts one finding to a diagnostic with `code` = rule id and a link to the rule's page. When the
 * finding has a fix, `data.fix` holds its edits as LSP ranges (so a quick fix needs no re-analysis).
 */
export function toDiagnostic(document: TextDocument, finding: Finding): Diagnostic {
  const href = ruleDocsUri(finding.ruleId);
  const fix = fixOf(finding);
  let data: DiagnosticData | undefined = fix
    ? {
        fix: {
          title: fix.title,
          edits: fix.edits.map((e) => TextEdit.replace(Range.create(document.positionAt(e.start), document.positionAt(Math.max(e.start, e.end))), e.newText)),
        },
      }
    : undefined;
  if (finding.lock) data = { ...data, lock: finding.lock };
  if (finding.tableSize && finding.table !== undefined) data = { ...data, table: finding.table, tableSize: finding.tableSize };
  return {
    range: Range.create(document.positionAt(finding.start), document.positionAt(finding.end)),
    severity: severityMap[finding.severity],
    code: finding.ruleId,
    ...(href ? { codeDescription: { href } } : {}),
    source: diagnosticSource,
    message: finding.message,
    ...(data ? { data } : {}),
  };
}

/** The diagnostic of an invalid `.migration-guard.json`, shown where the user looks: on the first line of each affected file. */
export function invalidConfigDiagnostic(error: Error): Diagnostic {
  return {
    range: Range.create(0, 0, 0, 0),
    severity: DiagnosticSeverity.Error,
    code: 'invalid-config',
    source: diagnosticSource,
    message: `Invalid ${CONFIG_FILE_NAME}: ${error.message}`,
  };
}

/**
 * Preferred quick fixes (`isPreferred`, CodeActionKind.QuickFix) for our diagnostics that carry a fix
 * in `data` (see {@link toDiagnostic}). Diagnostics from other sources or without a fix give none.
 */
export function fixActions(document: TextDocument, diagnostics: readonly Diagnostic[]): CodeAction[] {
  const actions: CodeAction[] = [];
  for (const diagnostic of diagnostics) {
    if (diagnostic.source !== diagnosticSource) continue;
    const fix = (diagnostic.data as DiagnosticData | undefined)?.fix;
    if (!fix || !Array.isArray(fix.edits) || fix.edits.length === 0) continue;
    actions.push({
      title: fix.title,
      kind: CodeActionKind.QuickFix,
      isPreferred: true,
      diagnostics: [diagnostic],
      edit: { changes: { [document.uri]: fix.edits } },
    });
  }
  return actions;
}

/**
 * The rewriting quick fix of `adding-required-field` ({@link RequiredFieldFix}) as one code action: CreateFile plus an
 * insert for each new migration in `dir` (never overwriting: applying fails if a file appeared meanwhile), the edits
 * commenting the statement out of `document` (at its analyzed version), and those of its `.down.sql` (`down`), if any.
 */
export function rewriteAction(document: TextDocument, diagnostic: Diagnostic, fix: RequiredFieldFix, dir: string, down?: { uri: string; document: TextDocument }): CodeAction {
  const documentChanges: NonNullable<WorkspaceEdit['documentChanges']> = [];
  for (const file of fix.files) {
    const uri = pathToFileURL(path.join(dir, file.fileName)).toString();
    documentChanges.push(CreateFile.create(uri, { overwrite: false, ignoreIfExists: false }));
    documentChanges.push(TextDocumentEdit.create({ uri, version: null }, [TextEdit.insert(Position.create(0, 0), file.text)]));
  }
  const lspEdits = (doc: TextDocument, edits: RequiredFieldFix['edits']) => edits.map((e) => TextEdit.replace(Range.create(doc.positionAt(e.start), doc.positionAt(e.end)), e.newText));
  documentChanges.push(TextDocumentEdit.create({ uri: document.uri, version: document.version }, lspEdits(document, fix.edits)));
  if (down && fix.downEdits.length > 0) documentChanges.push(TextDocumentEdit.create({ uri: down.uri, version: null }, lspEdits(down.document, fix.downEdits)));
  return { title: fix.title, kind: CodeActionKind.QuickFix, diagnostics: [diagnostic], edit: { documentChanges } };
}

function contains(range: Range, position: Position): boolean {
  const afterStart = position.line > range.start.line || (position.line === range.start.line && position.character >= range.start.character);
  const beforeEnd = position.line < range.end.line || (position.line === range.end.line && position.character <= range.end.character);
  return afterStart && beforeEnd;
}

/** Hover for our diagnostics under the cursor: the rule, why, the lock taken and the safe alternative. */
export function hoverAt(diagnostics: readonly Diagnostic[], position: Position): Hover | null {
  const hits = diagnostics.filter((d) => d.source === diagnosticSource && contains(d.range, position));
  if (hits.length === 0) return null;
  const sections = hits.map((d) => {
    const id = String(d.code);
    const meta = getRuleMeta(id);
    const lines = [`**${id}**${meta ? ` — ${meta.title}` : ''}`, '', d.message];
    if (meta?.description) lines.push('', meta.description);
    const lock = (d.data as DiagnosticData | undefined)?.lock;
    if (lock) lines.push('', `**Lock:** ${describeLock(lock)}, until the transaction ends.`);
    else if (meta?.lock) lines.push('', `**Lock:** ${meta.lock}`);
    const sized = d.data as DiagnosticData | undefined;
    if (sized?.tableSize && sized.table !== undefined) lines.push('', `**Table size:** "${sized.table}": ${describeSize(sized.tableSize)} (table statistics).`);
    if (meta?.help) lines.push('', `**Safer:** ${meta.help}`);
    const href = d.codeDescription?.href;
    if (href) lines.push('', `[Rule documentation](${href})`);
    return lines.join('\n');
  });
  return { contents: { kind: MarkupKind.Markdown, value: sections.join('\n\n---\n\n') }, range: hits[0].range };
}

/**
 * Inlay hints naming the lock mode of our diagnostics that carry one (`data.lock`), at the start of each diagnostic's
 * range (one per position): `ACCESS EXCLUSIVE`, the tooltip saying on which table(s) and what it blocks. Sorted by position.
 */
export function lockInlayHints(diagnostics: readonly Diagnostic[]): InlayHint[] {
  const hints = new Map<string, InlayHint>();
  for (const d of diagnostics) {
    const lock = d.source === diagnosticSource ? (d.data as DiagnosticData | undefined)?.lock : undefined;
    if (!lock) continue;
    const key = `${d.range.start.line}:${d.range.start.character}`;
    if (hints.has(key)) continue;
    hints.set(key, { position: d.range.start, label: `${lock.mode}:`, kind: InlayHintKind.Type, paddingRight: true, tooltip: `Lock: ${describeLock(lock)}` });
  }
  return [...hints.values()].sort((a, b) => a.position.line - b.position.line || a.position.character - b.position.character);
}

/** Comment prefix for ignore comments in a document, by language / file name. */
export function commentPrefix(document: TextDocument): string {
  const name = document.uri.toLowerCase();
  if (document.languageId === 'sql' || name.endsWith('.sql')) return '--';
  if (document.languageId === 'python' || name.endsWith('.py')) return '#';
  return '//';
}

/**
 * Whether `offset` in JavaScript/TypeScript source lies inside a template literal, judged by counting
 * unescaped backticks before it outside `//` line comments. Used to write a SQL `--` ignore comment
 * inside multi-line `knex.raw(\`…\`)` SQL, where a `//` line would break the SQL.
 */
export function insideTemplateLiteral(text: string, offset: number): boolean {
  let inside = false;
  for (let i = 0; i < offset && i < text.length; i++) {
    const c = text[i];
    if (c === '\\') i++;
    else if (c === '`') inside = !inside;
    else if (!inside && c === '/' && text[i + 1] === '/') {
      const eol = text.indexOf('\n', i);
      if (eol < 0 || eol >= offset) break;
      i = eol;
    }
  }
  return inside;
}

/**
 * Code actions for our diagnostics in `range`: "ignore for this statement" (a comment on the line
 * above) and "ignore for this file" (a comment on the first line).
 */
export function ignoreActions(document: TextDocument, diagnostics: readonly Diagnostic[]): CodeAction[] {
  const prefix = commentPrefix(document);
  const actions: CodeAction[] = [];
  for (const diagnostic of diagnostics) {
    if (diagnostic.source !== diagnosticSource || diagnostic.code === undefined) continue;
    const id = String(diagnostic.code);
    // Not silenceable: a syntax error is no judgement call, an analyzer crash must not be hidden (docs/rules/analyzer-error.md).
    if (id === 'syntax-error' || id === 'analyzer-error' || id === 'invalid-config') continue;
    const line = diagnostic.range.start.line;
    const lineText = document.getText(Range.create(line, 0, line + 1, 0));
    const indent = /^[ \t]*/.exec(lineText)?.[0] ?? '';
    const linePrefix = prefix === '//' && insideTemplateLiteral(document.getText(), document.offsetAt(Position.create(line, 0))) ? '--' : prefix;
    actions.push({
      title: `Ignore ${id} for this statement`,
      kind: CodeActionKind.QuickFix,
      diagnostics: [diagnostic],
      edit: { changes: { [document.uri]: [TextEdit.insert(Position.create(line, 0), `${indent}${linePrefix} migration-guard-ignore ${id}: reviewed\n`)] } },
    });
    actions.push({
      title: `Ignore ${id} for this file`,
      kind: CodeActionKind.QuickFix,
      diagnostics: [diagnostic],
      edit: { changes: { [document.uri]: [TextEdit.insert(Position.create(0, 0), `${prefix} migration-guard-ignore-file ${id}\n`)] } },
    });
  }
  return actions;
}
