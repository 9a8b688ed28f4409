/**
 * Configuration, in one place: the project file `.migration-guard.json` (project-file.ts), the editor settings
 * schema (settings.ts), how a file is linted under both (lint-options.ts), protected tables (protected-tables.ts),
 * table sizes deciding lock findings' severity (table-sizes.ts), the Knex client → dialect table and dialect detection
 * (dialect.ts), and knexfile discovery by name (knexfile.ts).
 * Reads files only, never runs workspace code, and imports nothing from `migrations/`, `cli/` or `lsp/`.
 */
export * from './dialect';
export * from './knexfile';
export * from './lint-options';
export * from './project-file';
export * from './protected-tables';
export * from './settings';
export * from './table-sizes';
