/**
 * The contract between the engine, its two front ends (CLI, language server) and the extension, declared
 * once: the JSON shapes (shapes.ts), the CLI's commands and exit codes (cli.ts) and
 * the command lines written from them (argv.ts), the language server's custom
 * messages and launch flags (lsp.ts). The only module of server/ the extension imports. Bottom layer: it
 * imports nothing of the project, and neither `vscode` nor the engine.
 */
export * from './shapes';
export * from './cli';
export * from './argv';
export * from './lsp';
export * from './units';
