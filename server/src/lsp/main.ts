/**
 * The Migration Guard language server: thin plumbing from the pure analyzer to LSP.
 * Diagnostics on open migration documents, hovers on them, and ignore-comment code actions.
 */
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  CodeActionKind,
  createConnection,
  DidChangeConfigurationNotification,
  ProposedFeatures,
  TextDocuments,
  TextDocumentSyncKind,
  type Diagnostic,
  type InitializeResult,
  type WorkspaceFolder,
} from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { resolveDialect } from '../dialect';
import { analyze, initAnalyzer } from '../lint';
import { isIncluded, normalizeSettings, settingsSection, type Settings } from '../settings';
import { hoverAt, ignoreActions, toDiagnostic } from './convert';
import { ReanalyzeRequest } from './messages';

const connection = createConnection(ProposedFeatures.all);
const documents = new TextDocuments(TextDocument);

let supportsConfiguration = false;
let workspaceFolders: WorkspaceFolder[] = [];
const settingsCache = new Map<string, Promise<Settings>>();
const lastDiagnostics = new Map<string, Diagnostic[]>();
const scheduled = new Set<string>();

connection.onInitialize(async (params): Promise<InitializeResult> => {
  supportsConfiguration = Boolean(params.capabilities.workspace?.configuration);
  workspaceFolders = params.workspaceFolders ?? [];
  await initAnalyzer();
  return {
    capabilities: {
      textDocumentSync: TextDocumentSyncKind.Incremental,
      hoverProvider: true,
      codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix] },
    },
    serverInfo: { name: 'migration-guard' },
  };
});

connection.onInitialized(() => {
  if (supportsConfiguration) {
    void connection.client.register(DidChangeConfigurationNotification.type, { section: settingsSection });
  }
});

connection.onDidChangeConfiguration(() => {
  settingsCache.clear();
  for (const document of documents.all()) schedule(document.uri);
});

/** Settings for a document, pulled from the client per resource and cached until they change. */
function settingsFor(uri: string): Promise<Settings> {
  if (!supportsConfiguration) return Promise.resolve(normalizeSettings(undefined));
  let cached = settingsCache.get(uri);
  if (!cached) {
    cached = connection.workspace
      .getConfiguration({ scopeUri: uri, section: settingsSection })
      .then(normalizeSettings, () => normalizeSettings(undefined));
    settingsCache.set(uri, cached);
  }
  return cached;
}

function filePathOf(uri: string): string | null {
  try {
    return uri.startsWith('file:') ? fileURLToPath(uri) : null;
  } catch {
    return null;
  }
}

function workspaceFolderOf(filePath: string): string | undefined {
  const folders = workspaceFolders.map((f) => filePathOf(f.uri)).filter((p): p is string => p !== null);
  return folders.filter((f) => filePath === f || filePath.startsWith(f + path.sep)).sort((a, b) => b.length - a.length)[0];
}

/** Analyzes one open document and publishes its diagnostics (an empty list when it is not a migration). */
async function validate(uri: string): Promise<void> {
  const document = documents.get(uri);
  if (!document) return;
  const version = document.version;
  const settings = await settingsFor(uri);
  const filePath = filePathOf(uri) ?? uri;
  const folder = workspaceFolderOf(filePath);
  const relative = folder ? path.relative(folder, filePath) : filePath;
  let diagnostics: Diagnostic[] = [];
  if (isIncluded(relative, settings)) {
    const dialect = resolveDialect(settings.dialect, filePath, folder);
    const text = document.getText();
    diagnostics = analyze(text, { fileName: filePath, dialect }).map((f) => toDiagnostic(document, f));
  }
  // A newer version arrived while settings were pulled: its own run publishes.
  if (documents.get(uri)?.version !== version) return;
  lastDiagnostics.set(uri, diagnostics);
  await connection.sendDiagnostics({ uri, version, diagnostics });
}

/** Coalesces bursts of edits: one analysis per document per turn of the event loop. */
function schedule(uri: string): void {
  if (scheduled.has(uri)) return;
  scheduled.add(uri);
  setImmediate(() => {
    scheduled.delete(uri);
    validate(uri).catch((error: unknown) => connection.console.error(`migration-guard: analysis failed for ${uri}: ${String(error)}`));
  });
}

documents.onDidOpen((e) => schedule(e.document.uri));
documents.onDidChangeContent((e) => schedule(e.document.uri));
documents.onDidClose((e) => {
  lastDiagnostics.delete(e.document.uri);
  settingsCache.delete(e.document.uri);
  void connection.sendDiagnostics({ uri: e.document.uri, diagnostics: [] });
});

connection.onHover((params) => hoverAt(lastDiagnostics.get(params.textDocument.uri) ?? [], params.position));

connection.onCodeAction((params) => {
  const document = documents.get(params.textDocument.uri);
  if (!document) return [];
  return ignoreActions(document, params.context.diagnostics);
});

connection.onRequest(ReanalyzeRequest, () => {
  settingsCache.clear();
  const all = documents.all();
  for (const document of all) schedule(document.uri);
  return all.length;
});

documents.listen(connection);
connection.listen();
