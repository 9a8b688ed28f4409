/**
 * The Migration Guard language server: thin plumbing from the pure analyzer to LSP.
 * Diagnostics on open migration documents (options from `.migration-guard.json` through the same
 * {@link effectiveOptions} the CLI uses, settings only as a fallback) and, in the background, on the closed migration
 * files of the workspace's projects (workspace-lint.ts), hovers on them, the analyzer's fixes as preferred quick
 * fixes, and ignore-comment code actions.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as v8 from 'node:v8';
import {
  CodeActionKind,
  createConnection,
  DidChangeConfigurationNotification,
  DidChangeWatchedFilesNotification,
  FileChangeType,
  ProposedFeatures,
  TextDocuments,
  TextDocumentSyncKind,
  type CodeAction,
  type Diagnostic,
  type Disposable,
  type FileSystemWatcher,
  type InitializeResult,
  type WorkspaceFolder,
} from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { CONFIG_FILE_NAME, ConfigCache, ConfigError, effectiveOptions, KNEXFILE_GLOB, LINT_EXTENSIONS, TableSizeIndex, validateTableStats } from '../config';
import { initAnalyzerFor, setIncrementalPostgresParsing } from '../lint';
import { lintFiles, type FileInput } from '../migrations/lint-files';
import { normalizeSettings, settingsSection, type Settings } from '../config';
import { requiredFieldFix } from '../migrations/project/required-field-fix';
import { diagnosticSource, fixActions, hoverAt, ignoreActions, invalidConfigDiagnostic, lockInlayHints, rewriteAction, toDiagnostic } from './convert';
import { WorkspaceLinter } from './workspace-lint';
import { ServerStatsRequest } from './messages';

// Old-generation growth factor 1.2 instead of V8's default (up to 2x per GC): every analysis leaves megabytes of
// short-lived parse trees behind, and the default let the heap reach several times the live data between full GCs.
// Measured (bench/lsp-latency.ts, 100 edits): RSS 144 -> 120 MiB, latency unchanged. Set at run time rather than
// in execArgv so that a V8 that no longer knows the flag ignores it instead of refusing to start.
v8.setFlagsFromString('--heap-growing-percent=20');

const connection = createConnection(ProposedFeatures.all);
const documents = new TextDocuments(TextDocument);

let supportsConfiguration = false;
let supportsWatchRegistration = false;
let supportsInlayHintRefresh = false;
/** The client applies workspace edits that create files (needed by the rewriting fix of adding-required-field). */
let supportsCreateFiles = false;
let supportsRelativePatterns = false;
let supportsWorkspaceFolders = false;
let analyses = 0;
/** Config lookups and parsed `.migration-guard.json` files; cleared when one changes. */
const configCache = new ConfigCache();
let workspaceFolders: WorkspaceFolder[] = [];
const settingsCache = new Map<string, Promise<Settings>>();
const lastDiagnostics = new Map<string, Diagnostic[]>();
const scheduled = new Set<string>();
/** Analyses of open documents running now (the workspace pass waits for them: see {@link idle}). */
let inFlight = 0;
const idleWaiters: Array<() => void> = [];
/** The registration watching the migrations folders the workspace pass lints, replaced when they change. */
let migrationWatch: Promise<Disposable | undefined> = Promise.resolve(undefined);
/** Extensions of the files the lint driver takes, as one glob alternative (`{sql,js,…}`). */
const lintGlob = `*.{${LINT_EXTENSIONS.map((e) => e.slice(1)).join(',')}}`;

/** Every migration file of the workspace's projects, linted in the background (workspace-lint.ts). */
const workspace = new WorkspaceLinter({
  folders: () => workspaceFolders.map((f) => filePathOf(f.uri)).filter((p): p is string => p !== null),
  settingsFor: (folder) => settingsFor(pathToFileURL(folder).toString()),
  optionsFor: (file, stopDir, settings) => effectiveOptions({ filePath: file, stopDir, settings, cache: configCache }),
  tableSizesFor: (folder, settings) => statsFor(settings.statsFile, folder),
  isOpen: (file) => documents.get(pathToFileURL(file).toString()) !== undefined,
  textOf: siblingText,
  publish: (file, diagnostics) => void connection.sendDiagnostics({ uri: pathToFileURL(file).toString(), diagnostics }),
  idle,
  watch: watchMigrationFolders,
  log: (message) => connection.console.info(message),
});

connection.onInitialize(async (params): Promise<InitializeResult> => {
  supportsConfiguration = Boolean(params.capabilities.workspace?.configuration);
  supportsWatchRegistration = Boolean(params.capabilities.workspace?.didChangeWatchedFiles?.dynamicRegistration);
  supportsInlayHintRefresh = Boolean(params.capabilities.workspace?.inlayHint?.refreshSupport);
  const workspaceEdit = params.capabilities.workspace?.workspaceEdit;
  supportsCreateFiles = Boolean(workspaceEdit?.documentChanges && workspaceEdit.resourceOperations?.includes('create'));
  supportsWorkspaceFolders = Boolean(params.capabilities.workspace?.workspaceFolders);
  supportsRelativePatterns = Boolean(params.capabilities.workspace?.didChangeWatchedFiles?.relativePatternSupport);
  workspaceFolders = params.workspaceFolders ?? [];
  // libpg-query now; the Python grammar (Alembic) only when the first Python document is analysed (see validate).
  await initAnalyzerFor('sql');
  // An editor re-analyses after each small edit: unchanged PostgreSQL statements reuse their parse (bounded cache
  // keyed by statement text, about 2 x 4,000 pieces at most; no per-version copies).
  setIncrementalPostgresParsing(4000);
  return {
    capabilities: {
      textDocumentSync: TextDocumentSyncKind.Incremental,
      hoverProvider: true,
      codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix] },
      // Lock modes at lock findings; empty unless the `lockInlayHints` setting is on.
      inlayHintProvider: true,
      workspace: { workspaceFolders: { supported: true, changeNotifications: true } },
    },
    serverInfo: { name: 'migration-guard' },
  };
});

connection.onInitialized(() => {
  if (supportsConfiguration) {
    void connection.client.register(DidChangeConfigurationNotification.type, { section: settingsSection });
  }
  if (supportsWatchRegistration) {
    void connection.client.register(DidChangeWatchedFilesNotification.type, {
      watchers: [{ globPattern: `**/${CONFIG_FILE_NAME}` }, { globPattern: KNEXFILE_GLOB }, { globPattern: '**/alembic.ini' }],
    });
  }
  if (supportsWorkspaceFolders) {
    connection.workspace.onDidChangeWorkspaceFolders((e) => {
      const removed = new Set(e.removed.map((f) => f.uri));
      workspaceFolders = [...workspaceFolders.filter((f) => !removed.has(f.uri)), ...e.added];
      void workspace.discover();
    });
  }
  // The workspace pass starts once the documents the editor restores have been opened and analysed (it waits for
  // their analysis; the delay lets their didOpen arrive first).
  setTimeout(() => void workspace.discover(), 250);
});

/** Watches the migrations folders the workspace pass lints (replacing the previous registration), when the client lets the server register watchers. */
function watchMigrationFolders(dirs: readonly string[]): void {
  if (!supportsWatchRegistration) return;
  const watchers: FileSystemWatcher[] = supportsRelativePatterns
    ? dirs.map((dir) => ({ globPattern: { baseUri: pathToFileURL(dir).toString(), pattern: lintGlob } }))
    : dirs.length > 0
      ? [{ globPattern: `**/${lintGlob}` }]
      : [];
  const previous = migrationWatch;
  migrationWatch = (async () => {
    (await previous)?.dispose();
    return watchers.length > 0 ? connection.client.register(DidChangeWatchedFilesNotification.type, { watchers }) : undefined;
  })().catch(() => undefined);
}

/** Whether a watched file is configuration: a `.migration-guard.json`, a knexfile (it decides the `auto` dialect and where migrations are) or an `alembic.ini`. */
function isConfigFile(uri: string): boolean {
  return uri.endsWith(`/${CONFIG_FILE_NAME}`) || /\/knexfile\.[cm]?[jt]s$/.test(uri) || uri.endsWith('/alembic.ini');
}

/**
 * Configuration changed: re-read it, re-analyze the open documents and discover the workspace's projects again. A
 * migration file created, changed or deleted: its folder is linted again (deleted: its diagnostics cleared), and the
 * open documents of that folder re-analysed (their earlier migrations and revision graph changed).
 */
connection.onDidChangeWatchedFiles((params) => {
  if (params.changes.some((c) => isConfigFile(c.uri))) {
    configCache.clear();
    for (const document of documents.all()) schedule(document.uri);
    void workspace.discover();
    return;
  }
  const files = params.changes.flatMap((c) => {
    const file = filePathOf(c.uri);
    return file ? [{ file, deleted: c.type === FileChangeType.Deleted }] : [];
  });
  const folders = new Set(workspace.filesChanged(files));
  for (const document of documents.all()) {
    const file = filePathOf(document.uri);
    if (file && folders.has(path.dirname(file))) schedule(document.uri);
  }
});

connection.onDidChangeConfiguration(() => {
  settingsCache.clear();
  configCache.clear();
  for (const document of documents.all()) schedule(document.uri);
  refreshInlayHints();
  void workspace.discover();
});

/** Asks the client to ask for inlay hints again (new diagnostics, or the setting changed), when it can. */
function refreshInlayHints(): void {
  if (supportsInlayHintRefresh) connection.languages.inlayHint.refresh().catch(() => undefined);
}

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
  const stopDir = workspaceFolderOf(filePath);
  let diagnostics: Diagnostic[] = [];
  try {
    const self: FileInput = { path: filePath, text: document.getText(), inGraph: false };
    // The lint driver (migrations/lint-files.ts), as `check` runs it on a walked folder: the folder rules see every
    // included migration file beside this one, open documents with their unsaved text. If a parser (the Python
    // grammar, loaded with the first Python document) cannot load, the document is still analyzed.
    const tableSizes = statsFor(settings.statsFile, stopDir);
    const [linted] = await lintFiles(filePathOf(uri) ? folderOf(self) : [self], {
      optionsFor: (file) => effectiveOptions({ filePath: file, stopDir, settings, cache: configCache }),
      tolerateParserLoadFailure: true,
      ...(tableSizes ? { tableSizes } : {}),
    });
    // A newer version arrived meanwhile: its own run publishes.
    if (documents.get(uri)?.version !== version) return;
    if (linted) {
      analyses++;
      diagnostics = linted.findings.map((f) => toDiagnostic(document, f));
    }
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    diagnostics = [invalidConfigDiagnostic(error)];
  }
  // A newer version arrived while settings were pulled: its own run publishes.
  if (documents.get(uri)?.version !== version) return;
  const hadLocks = (lastDiagnostics.get(uri) ?? []).some(hasLock);
  lastDiagnostics.set(uri, diagnostics);
  await connection.sendDiagnostics({ uri, version, diagnostics });
  if (settings.lockInlayHints && (hadLocks || diagnostics.some(hasLock))) refreshInlayHints();
}

/** The statistics file last read: absolute path, mtime, and its index or why it is not usable. */
let statsCache: { file: string; mtimeMs: number; index: TableSizeIndex | string } | undefined;

/**
 * The table sizes of the `statsFile` setting (relative to the workspace folder), re-read when the file changes;
 * undefined when the setting is empty or the file is unusable (then told once per file version, findings unsized).
 */
function statsFor(setting: string, workspaceDir: string | undefined): TableSizeIndex | undefined {
  if (!setting.trim()) return undefined;
  const file = path.resolve(workspaceDir ?? process.cwd(), setting);
  let mtimeMs = -1;
  try {
    mtimeMs = fs.statSync(file).mtimeMs;
  } catch {
    // Reported below as unreadable.
  }
  if (statsCache?.file !== file || statsCache.mtimeMs !== mtimeMs) {
    let index: TableSizeIndex | string;
    try {
      const stats = validateTableStats(JSON.parse(fs.readFileSync(file, 'utf8')));
      index = typeof stats === 'string' ? `not a table statistics file: ${stats}` : new TableSizeIndex(stats);
    } catch (error) {
      index = `cannot be read: ${error instanceof Error ? error.message : String(error)}`;
    }
    statsCache = { file, mtimeMs, index };
    if (typeof index === 'string') void connection.window.showWarningMessage(`Migration Guard: migrationGuard.statsFile ${file} ${index}. Write one with: migration-guard stats --out FILE`);
  }
  return typeof statsCache.index === 'string' ? undefined : statsCache.index;
}

/** Whether a diagnostic carries a lock (an inlay hint may show it). */
function hasLock(d: Diagnostic): boolean {
  return Boolean((d.data as { lock?: unknown } | undefined)?.lock);
}

/** Texts of sibling migrations read from disk, with the mtime they were read at. */
const diskTexts = new Map<string, { mtimeMs: number; text: string }>();

/** A sibling's text: the open document's when it is open, else the file's (cached by mtime); undefined when unreadable. */
function siblingText(file: string): string | undefined {
  const open = documents.get(pathToFileURL(file).toString());
  if (open) return open.getText();
  try {
    const { mtimeMs } = fs.statSync(file);
    const hit = diskTexts.get(file);
    if (hit && hit.mtimeMs === mtimeMs) return hit.text;
    const text = fs.readFileSync(file, 'utf8');
    diskTexts.set(file, { mtimeMs, text });
    return text;
  } catch {
    return undefined;
  }
}

/**
 * `self` (the document, linted) with the migration files beside it (their folder's revision graph only), by name.
 * A document that is not a migration file on disk there takes no part in a revision graph.
 */
function folderOf(self: FileInput): FileInput[] {
  const dir = path.dirname(self.path);
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return [self];
  }
  const names = entries.filter((e) => e.isFile() && LINT_EXTENSIONS.includes(path.extname(e.name))).map((e) => e.name).sort();
  if (!names.includes(path.basename(self.path))) return [self];
  return names.flatMap((name): FileInput[] => {
    const abs = path.join(dir, name);
    if (abs === self.path) return [{ ...self, inGraph: true }];
    const text = siblingText(abs);
    return text === undefined ? [] : [{ path: abs, text, lint: false }];
  });
}

/** Coalesces bursts of edits: one analysis per document per turn of the event loop. */
function schedule(uri: string): void {
  if (scheduled.has(uri)) return;
  scheduled.add(uri);
  setImmediate(() => {
    scheduled.delete(uri);
    inFlight++;
    validate(uri)
      .catch((error: unknown) => connection.console.error(`migration-guard: analysis failed for ${uri}: ${String(error)}`))
      .finally(() => {
        inFlight--;
        if (scheduled.size === 0 && inFlight === 0) for (const resolve of idleWaiters.splice(0)) resolve();
      });
  });
}

/** Resolves when no analysis of an open document is scheduled or running. */
function idle(): Promise<void> {
  if (scheduled.size === 0 && inFlight === 0) return Promise.resolve();
  return new Promise((resolve) => idleWaiters.push(resolve));
}

documents.onDidOpen((e) => schedule(e.document.uri));
documents.onDidChangeContent((e) => schedule(e.document.uri));
documents.onDidClose((e) => {
  lastDiagnostics.delete(e.document.uri);
  settingsCache.delete(e.document.uri);
  // A migration file of the workspace's projects keeps diagnostics: those of its text on disk, from the workspace pass.
  const file = filePathOf(e.document.uri);
  if (file && workspace.documentClosed(file)) return;
  void connection.sendDiagnostics({ uri: e.document.uri, diagnostics: [] });
});

connection.onHover((params) => hoverAt(lastDiagnostics.get(params.textDocument.uri) ?? [], params.position));

connection.languages.inlayHint.on(async (params) => {
  const uri = params.textDocument.uri;
  if (!(await settingsFor(uri)).lockInlayHints) return [];
  const { start, end } = params.range;
  const inRange = (p: { line: number; character: number }) =>
    (p.line > start.line || (p.line === start.line && p.character >= start.character)) && (p.line < end.line || (p.line === end.line && p.character <= end.character));
  return lockInlayHints(lastDiagnostics.get(uri) ?? []).filter((h) => inRange(h.position));
});

connection.onCodeAction(async (params) => {
  const document = documents.get(params.textDocument.uri);
  if (!document) return [];
  const rewrites = await rewriteActions(document, params.context.diagnostics);
  return [...fixActions(document, params.context.diagnostics), ...rewrites, ...ignoreActions(document, params.context.diagnostics)];
});

/**
 * The rewriting fix of `adding-required-field` (new migration files beside the document), for a client that can
 * create files, on a migration file on disk. Computed on request (the file names carry the time); a diagnostic of an
 * older version gets none, since the fix looks for the ADD COLUMN at exactly the diagnostic's offset.
 */
async function rewriteActions(document: TextDocument, diagnostics: readonly Diagnostic[]): Promise<CodeAction[]> {
  const filePath = filePathOf(document.uri);
  const wanted = diagnostics.filter((d) => d.source === diagnosticSource && d.code === 'adding-required-field');
  if (!supportsCreateFiles || !filePath || wanted.length === 0) return [];
  const dir = path.dirname(filePath);
  let siblings: string[];
  try {
    siblings = fs.readdirSync(dir);
  } catch {
    return [];
  }
  const settings = await settingsFor(document.uri);
  let dialect;
  try {
    dialect = effectiveOptions({ filePath, stopDir: workspaceFolderOf(filePath), settings, cache: configCache }).dialect;
  } catch {
    return [];
  }
  const downPath = /\.up\.sql$/i.test(filePath) ? filePath.replace(/\.up\.sql$/i, '.down.sql') : undefined;
  const downText = downPath ? siblingText(downPath) : undefined;
  const actions: CodeAction[] = [];
  for (const diagnostic of wanted) {
    const fix = requiredFieldFix({ text: document.getText(), fileName: filePath, dialect, offset: document.offsetAt(diagnostic.range.start), siblings, now: new Date(), downText });
    if (!fix || fix.files.some((f) => siblings.includes(f.fileName))) continue;
    const down = downPath && downText !== undefined ? { uri: pathToFileURL(downPath).toString(), document: TextDocument.create(pathToFileURL(downPath).toString(), 'sql', 0, downText) } : undefined;
    actions.push(rewriteAction(document, diagnostic, fix, dir, down));
  }
  return actions;
}

connection.onRequest(ServerStatsRequest, () => {
  const memory = process.memoryUsage();
  const pass = workspace.stats();
  return { rss: memory.rss, heapUsed: memory.heapUsed, openDocuments: documents.all().length, analyses, workspaceFiles: pass.files, workspaceSettled: pass.settled };
});

documents.listen(connection);
connection.listen();
