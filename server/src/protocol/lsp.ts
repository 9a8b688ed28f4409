/**
 * The language server's side of the contract: its custom LSP messages and the Node flags it is started with.
 * Names and types only (no `vscode-languageserver` import): the server builds its typed `RequestType`s from
 * these in lsp/messages.ts, and the extension reads the launch flags without importing the server.
 */

/**
 * Custom LSP messages. Method names are declared here once; the server and the client
 * build `RequestType`s from them.
 */
export const LspMethods = {
  /** Client → server: the server's process statistics ({@link ServerStats}), for benchmarks and diagnostics. */
  serverStats: 'migrationGuard/serverStats',
} as const;

/** Answer of `migrationGuard/serverStats`: the language server process's memory (bytes, `process.memoryUsage()`) and load. */
export interface ServerStats {
  /** Resident set size in bytes. */
  rss: number;
  /** V8 heap in use, bytes. */
  heapUsed: number;
  /** Documents currently open. */
  openDocuments: number;
  /** Analyses run since start. */
  analyses: number;
  /** Migration files of the workspace's projects that the background pass covers (lsp/workspace-lint.ts). */
  workspaceFiles: number;
  /** Whether the background pass has discovered the projects and has nothing left to lint. */
  workspaceSettled: boolean;
}

/**
 * Node flags for the language server process (`execArgv`), passed by the extension when it forks `dist/server.js` (and by
 * bench/lsp-latency.ts and the LSP tests' client when they spawn it, so they measure what ships).
 *
 * Measured with bench/lsp-latency.ts (1,000-line PostgreSQL migration, 100 edits, Node 20, 2 cores), RSS after the
 * edits with the minified bundle: about 175 MiB without flags, about 145 MiB with them; p50/p95 latency unchanged
 * within the machine's noise.
 * - `--v8-pool-size=1`: one V8 background worker instead of one per core. Each worker thread that allocates
 *   (concurrent compilation and GC) gets its own glibc malloc arena, whose freed pages stay resident: fewer
 *   workers, fewer arenas (opening the document cost +48 MiB RSS with the default pool, +22 MiB with one worker).
 * - `--max-semi-space-size=2` (MiB): a smaller young generation (default up to 16 MiB per semi-space, three of
 *   them); an analysis allocates short-lived objects, most of which die young either way.
 * No old-space limit: a hard heap limit would crash the server on a very large migration instead of slowing it.
 * The server itself lowers V8's old-generation growth factor at start (`--heap-growing-percent=20`, in lsp/main.ts,
 * through `v8.setFlagsFromString`: 144 -> 120 MiB after the edits).
 */
export const SERVER_EXEC_ARGV: readonly string[] = ['--v8-pool-size=1', '--max-semi-space-size=2'];
