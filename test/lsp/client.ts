/**
 * A minimal LSP client for tests and benchmarks: spawns the bundled dist/server.js over stdio
 * (build it first with `node esbuild.mjs`) and waits for published diagnostics by predicate.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  createProtocolConnection,
  DidOpenTextDocumentNotification,
  ExitNotification,
  InitializedNotification,
  InitializeRequest,
  PublishDiagnosticsNotification,
  ShutdownRequest,
  StreamMessageReader,
  StreamMessageWriter,
  type ProtocolConnection,
  type PublishDiagnosticsParams,
} from 'vscode-languageserver-protocol/node';
import { SERVER_EXEC_ARGV } from '../../server/src/protocol';

/** Absolute path of the bundled server. */
export const serverPath = path.resolve(__dirname, '../../dist/server.js');

/** A running server and helpers to talk to it. */
export interface TestServer {
  connection: ProtocolConnection;
  child: ChildProcessWithoutNullStreams;
  /** Next diagnostics for `uri` matching `predicate` (any by default); rejects after `timeoutMs` (20 s). */
  nextDiagnostics(uri: string, predicate?: (p: PublishDiagnosticsParams) => boolean, timeoutMs?: number): Promise<PublishDiagnosticsParams>;
  /**
   * The URI and version of every publishDiagnostics received, in order (not the diagnostics: keeping every list made
   * bench/lsp-latency.ts measure this client's garbage collection, p95 +10 ms).
   */
  published: Array<Pick<PublishDiagnosticsParams, 'uri' | 'version'>>;
  /** Sends didOpen for a file already on disk (its current text); returns the URI. */
  openFile(file: string, languageId?: string): string;
  /** Shutdown, exit, wait for the process. */
  stop(): Promise<void>;
}

/** Language id the VS Code client would send, by extension. */
export function languageIdOf(file: string): string {
  const ext = path.extname(file).toLowerCase();
  if (ext === '.sql') return 'sql';
  if (ext === '.py') return 'python';
  if (ext === '.ts' || ext === '.mts' || ext === '.cts') return 'typescript';
  return 'javascript';
}

/**
 * Spawns the server with `workspace` as its only workspace folder and completes initialize/initialized.
 * `execArgv`: Node flags for the server process; by default the ones the extension passes when it forks the server
 * ({@link SERVER_EXEC_ARGV}).
 * @throws when dist/server.js is missing.
 */
export async function startServer(workspace: string, capabilities: Record<string, unknown> = {}, execArgv: readonly string[] = SERVER_EXEC_ARGV): Promise<TestServer> {
  if (!fs.existsSync(serverPath)) throw new Error(`${serverPath} missing: run node esbuild.mjs`);
  const child = spawn(process.execPath, [...execArgv, serverPath, '--stdio'], { stdio: ['pipe', 'pipe', 'pipe'] });
  child.stderr.on('data', (chunk) => process.stderr.write(`[server] ${chunk}`));
  const connection = createProtocolConnection(new StreamMessageReader(child.stdout), new StreamMessageWriter(child.stdin));
  const waiters = new Map<string, { predicate: (p: PublishDiagnosticsParams) => boolean; resolve: (p: PublishDiagnosticsParams) => void }[]>();
  const published: Array<Pick<PublishDiagnosticsParams, 'uri' | 'version'>> = [];
  connection.onNotification(PublishDiagnosticsNotification.type, (params) => {
    published.push({ uri: params.uri, ...(params.version !== undefined ? { version: params.version } : {}) });
    const list = waiters.get(params.uri) ?? [];
    const index = list.findIndex((w) => w.predicate(params));
    if (index >= 0) list.splice(index, 1)[0].resolve(params);
  });
  connection.listen();
  const folderUri = pathToFileURL(workspace).toString();
  await connection.sendRequest(InitializeRequest.type, {
    processId: process.pid,
    rootUri: folderUri,
    workspaceFolders: [{ uri: folderUri, name: 'ws' }],
    capabilities,
  });
  await connection.sendNotification(InitializedNotification.type, {});
  return {
    connection,
    child,
    published,
    nextDiagnostics(uri, predicate = () => true, timeoutMs = 20_000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no matching diagnostics for ${uri} within ${timeoutMs} ms`)), timeoutMs);
        const list = waiters.get(uri) ?? [];
        list.push({ predicate, resolve: (p) => (clearTimeout(timer), resolve(p)) });
        waiters.set(uri, list);
      });
    },
    openFile(file, languageId = languageIdOf(file)) {
      const uri = pathToFileURL(file).toString();
      void connection.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri, languageId, version: 1, text: fs.readFileSync(file, 'utf8') } });
      return uri;
    },
    async stop() {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      await connection.sendRequest(ShutdownRequest.type);
      await connection.sendNotification(ExitNotification.type);
      await exited;
      connection.dispose();
    },
  };
}
