/**
 * One engine read per project and environment per refresh (issue 16): the Revisions view, the status bar, the
 * CodeLens, the Explorer badges and the database file guard all ask the status store, which loads the roots through
 * revisions/load.ts once and shares the answer. The engine is a fake injected at the reader boundary; its calls are
 * counted.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadRoots, SharedRoots, type StateReader, type Workspace } from '../../client/src/revisions/load';
import type { EngineTarget } from '../../client/src/engine';
import type { DiscoveredProject, StatusResult } from '../../server/src/protocol';

type Folder = EngineTarget['folder'];
const folder = (name: string, fsPath: string, index: number): Folder => ({ name, index, uri: { fsPath, toString: () => `file://${fsPath}` } }) as unknown as Folder;

function knexStatus(root: string, environment: string): StatusResult {
  return {
    project: { knexfile: `${root}/knexfile.js`, environment, environments: ['development', 'production'], protectedEnvironments: ['production'], client: 'sqlite3', connection: `${root}/dev.sqlite3`, migrationDirectories: [`${root}/migrations`], source: 'knexfile', protected: environment === 'production' },
    migrations: [],
    lock: { held: false },
    current: null,
    pending: [],
    batches: [],
  } as unknown as StatusResult;
}

/** A fake engine: two folders, the first with two Knex projects, the second with none (read as a whole). */
function fakeEngine(environment: () => string) {
  const calls = { projects: [] as string[], status: [] as string[] };
  const projects: Record<string, DiscoveredProject[]> = {
    '/w/shop': [
      { root: '/w/shop/api', runner: 'knex', migrationsDirectory: '/w/shop/api/migrations', config: '/w/shop/api/knexfile.js', directoryRead: true },
      { root: '/w/shop/billing', runner: 'knex', migrationsDirectory: '/w/shop/billing/migrations', config: '/w/shop/billing/knexfile.js', directoryRead: true },
    ] as DiscoveredProject[],
    '/w/legacy': [],
  };
  const reader: StateReader = {
    projects: async (f) => {
      calls.projects.push(f.uri.fsPath);
      await new Promise((r) => setTimeout(r, 5));
      return projects[f.uri.fsPath] ?? [];
    },
    status: async (target) => {
      const where = target.project?.root ?? target.folder.uri.fsPath;
      calls.status.push(`${where}@${environment()}`);
      await new Promise((r) => setTimeout(r, 5));
      if (where === '/w/legacy') throw Object.assign(new Error('Cannot reach the database at 127.0.0.1:5432 (connection refused: nothing listens there).'), { code: 'connection' });
      return knexStatus(where, environment());
    },
  };
  return { calls, reader };
}

void describe('the shared status read', () => {
  void it('the view, the status bar, the CodeLens, the badges and the file guard asking at once and later cost one status read per project', async () => {
    let env = 'development';
    const { calls, reader } = fakeEngine(() => env);
    const discovery = new Map<string, DiscoveredProject[]>();
    const workspace: Workspace = { folders: [folder('shop', '/w/shop', 0), folder('legacy', '/w/legacy', 1)], knexfileSetting: () => '', log: () => {} };
    const store = new SharedRoots(() => loadRoots(workspace, reader, discovery));

    // Five readers at the same time (view getChildren, status bar, CodeLens, decorations, file guard) ...
    const answers = await Promise.all([store.get(), store.get(), store.get(), store.get(), store.get()]);
    // ... and one more after the read finished (a CodeLens for a newly opened file).
    answers.push(await store.get());
    assert.ok(answers.every((a) => a === answers[0]), 'everyone gets the same roots');
    assert.deepEqual(calls.projects.sort(), ['/w/legacy', '/w/shop']);
    assert.deepEqual(calls.status.sort(), ['/w/legacy@development', '/w/shop/api@development', '/w/shop/billing@development']);
    const roots = answers[0]!;
    assert.deepEqual(roots.map((r) => [r.project?.root ?? r.folderPath, r.state.kind]), [['/w/shop/api', 'knex'], ['/w/shop/billing', 'knex'], ['/w/legacy', 'error']]);
    const legacy = roots[2]!.state;
    assert.ok(legacy.kind === 'error' && legacy.error.code === 'connection' && /Cannot reach the database/.test(legacy.error.message));
    assert.deepEqual(store.peek(), roots);

    // A refresh (after a command; the environment changed meanwhile): one more read per project, discovery kept.
    env = 'production';
    store.drop();
    await Promise.all([store.get(), store.get(), store.get()]);
    assert.equal(calls.status.length, 6);
    assert.deepEqual(calls.status.slice(3).sort(), ['/w/legacy@production', '/w/shop/api@production', '/w/shop/billing@production']);
    assert.equal(calls.projects.length, 2, 'projects are not discovered again until a configuration file changes');

    // A configuration file changed: discovery again, then the reads.
    discovery.clear();
    store.drop();
    await store.get();
    assert.equal(calls.projects.length, 4);
    assert.equal(calls.status.length, 9);
  });

  void it('a knexfile setting that discovery does not list adds the folder read as a whole', async () => {
    const { calls, reader } = fakeEngine(() => 'development');
    const workspace: Workspace = { folders: [folder('shop', '/w/shop', 0)], knexfileSetting: () => 'config/knexfile.js', log: () => {} };
    const roots = await loadRoots(workspace, reader, new Map());
    assert.deepEqual(roots.map((r) => r.project?.root ?? `folder ${r.folderPath}`), ['folder /w/shop', '/w/shop/api', '/w/shop/billing']);
    assert.equal(calls.status.length, 3);
    const listed = await loadRoots({ ...workspace, knexfileSetting: () => 'api/knexfile.js' }, reader, new Map());
    assert.equal(listed.length, 2, 'the setting names a discovered knexfile: no extra root');
  });
});
