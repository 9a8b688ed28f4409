/**
 * Typed custom LSP messages, built once from the method names in protocol.ts and imported by both
 * the server and the client (as vscode-eslint's customMessages.ts does).
 */
import { RequestType0 } from 'vscode-languageserver-protocol';
import { LspMethods, type ServerStats } from '../protocol';

/** Client → server: re-analyze every open document; answers how many documents were scheduled. */
export const ReanalyzeRequest = new RequestType0<number, void>(LspMethods.reanalyze);

/** Client → server: memory and load of the server process (see {@link ServerStats}). */
export const ServerStatsRequest = new RequestType0<ServerStats, void>(LspMethods.serverStats);
