/**
 * Typed custom LSP messages, built once from the method names in protocol/lsp.ts (as vscode-eslint's
 * customMessages.ts does), for the server and for the clients of tests and benchmarks.
 */
import { RequestType0 } from 'vscode-languageserver-protocol';
import { LspMethods, type ServerStats } from '../protocol';

/** Client → server: memory and load of the server process (see {@link ServerStats}). */
export const ServerStatsRequest = new RequestType0<ServerStats, void>(LspMethods.serverStats);
