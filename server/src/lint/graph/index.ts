/** Folder-level analysis: the Alembic revision graph and the rules over it. See {@link analyzeRevisionGraph}. */
export { analyzeRevisionGraph, applyOrder, buildRevisionGraph, migrationVersion, readAlembicRevision } from './revision-graph';
export type { AlembicRevisionInfo, FolderFile, FolderFinding, RevisionGraph, RevisionGraphOptions, RevisionNode, RevisionRef } from './revision-graph';
