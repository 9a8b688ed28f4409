/**
 * The upgrade's lint-result cache (server/src/startup/lint-cache.ts) on real files: what a key depends on,
 * what is written and read back, merging with another writer, the cap, and the files it refuses to trust.
 * The bundled CLI's use of it (the analyzer not loaded when every file is cached, an edited file linted again) is in bundle.test.ts.
 */
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, readdirSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { LintCache, lintCacheDirectory, type CachedFinding } from '../../server/src/startup/lint-cache';
import { tempDir } from './helpers';

const BUILD = 'a'.repeat(64);
const SHA = 'b'.repeat(64);
const finding: CachedFinding = { ruleId: 'ban-drop-table', severity: 'error', message: 'DROP TABLE deletes every row.', line: 1, column: 24, endLine: 1, endColumn: 50 };

void describe('the lint cache', () => {
  void it('keys results by analyzer build, dialect, base name and content hash, never by folder', () => {
    const { dir, cleanup } = tempDir();
    try {
      const cache = LintCache.open(dir, BUILD) as LintCache;
      const key = cache.key('sqlite', '/a/db/migrations/001_x.js', SHA);
      assert.equal(cache.key('sqlite', '/elsewhere/001_x.js', SHA), key, 'a copy of the file elsewhere has the same findings');
      assert.notEqual(cache.key('postgresql', '/a/db/migrations/001_x.js', SHA), key);
      assert.notEqual(cache.key('sqlite', '/a/db/migrations/001_x.ts', SHA), key, 'the extension decides how the file is parsed');
      assert.notEqual(cache.key('sqlite', '/a/db/migrations/001_x.js', 'c'.repeat(64)), key);
      assert.notEqual(cache.key('sqlite', '/a/db/migrations/001_x.js', SHA, '[16,[["ban-drop-table","warning"]]]'), key, 'other rule options');
      assert.notEqual((LintCache.open(dir, 'd'.repeat(64)) as LintCache).key('sqlite', '/a/db/migrations/001_x.js', SHA), key, 'another analyzer build');
    } finally {
      cleanup();
    }
  });

  void it('writes entries on flush (file mode 0600) and reads them back; an empty result is cached too', () => {
    const { dir, cleanup } = tempDir();
    const folder = path.join(dir, 'lint');
    try {
      const cache = LintCache.open(folder, BUILD) as LintCache;
      const k1 = cache.key('sqlite', '001_drop.js', SHA);
      const k2 = cache.key('sqlite', '002_ok.js', SHA);
      assert.equal(cache.get(k1), undefined);
      cache.set(k1, { findings: [finding], createdTables: ['users'] });
      cache.set(k2, { findings: [], createdTables: [] });
      assert.deepEqual(cache.get(k1), { findings: [finding], createdTables: ['users'] }, 'readable before it is written');
      cache.flush();
      const [file] = readdirSync(folder);
      assert.match(file as string, /^lint-results-a{16}\.json$/);
      assert.equal(statSync(path.join(folder, file as string)).mode & 0o777, 0o600);
      assert.equal(statSync(folder).mode & 0o777, 0o700);
      const reopened = LintCache.open(folder, BUILD) as LintCache;
      assert.deepEqual(reopened.get(k1), { findings: [finding], createdTables: ['users'] });
      assert.deepEqual(reopened.get(k2), { findings: [], createdTables: [] });
      assert.equal(LintCache.open(folder, 'c'.repeat(64))?.get(k1), undefined, 'another build does not see them');
    } finally {
      cleanup();
    }
  });

  void it('merges with what another process wrote meanwhile, and keeps only the newest entries past the cap', () => {
    const { dir, cleanup } = tempDir();
    try {
      const a = LintCache.open(dir, BUILD) as LintCache;
      const b = LintCache.open(dir, BUILD) as LintCache;
      const ka = a.key('sqlite', 'a.js', SHA);
      const kb = b.key('sqlite', 'b.js', SHA);
      a.set(ka, { findings: [finding], createdTables: [] });
      b.set(kb, { findings: [], createdTables: [] });
      a.flush();
      b.flush();
      const both = LintCache.open(dir, BUILD) as LintCache;
      assert.deepEqual([both.get(ka)?.findings, both.get(kb)?.findings], [[finding], []]);

      const capped = LintCache.open(dir, BUILD, 3) as LintCache;
      const keys = ['c.js', 'd.js', 'e.js'].map((n) => capped.key('sqlite', n, SHA));
      for (const k of keys) capped.set(k, { findings: [], createdTables: [] });
      capped.flush();
      const after = LintCache.open(dir, BUILD) as LintCache;
      assert.deepEqual(
        [ka, kb, ...keys].map((k) => after.get(k) !== undefined),
        [false, false, true, true, true],
      );
    } finally {
      cleanup();
    }
  });

  void it('treats a malformed file or entry as a miss, and removes the files of other builds once not written for a week', () => {
    const { dir, cleanup } = tempDir();
    try {
      const file = path.join(dir, `lint-results-${BUILD.slice(0, 16)}.json`);
      writeFileSync(file, '{ not json', { mode: 0o600 });
      const broken = LintCache.open(dir, BUILD) as LintCache;
      const key = broken.key('sqlite', 'x.js', SHA);
      assert.equal(broken.get(key), undefined);
      writeFileSync(file, JSON.stringify({ analyzer: BUILD, entries: { [key]: { findings: [{ ...finding, severity: 'fatal' }], createdTables: [] }, other: 'x' } }), { mode: 0o600 });
      assert.equal((LintCache.open(dir, BUILD) as LintCache).get(key), undefined, 'an unknown severity is not trusted');
      writeFileSync(file, JSON.stringify({ analyzer: BUILD, entries: { [key]: [finding] } }), { mode: 0o600 });
      assert.equal((LintCache.open(dir, BUILD) as LintCache).get(key), undefined, 'an entry of an earlier version (bare findings) is a miss');

      const recent = path.join(dir, 'lint-results-1111111111111111.json');
      const old = path.join(dir, 'lint-results-2222222222222222.json');
      writeFileSync(recent, '{}');
      writeFileSync(old, '{}');
      const eightDaysAgo = (Date.now() - 8 * 24 * 3600 * 1000) / 1000;
      utimesSync(old, eightDaysAgo, eightDaysAgo);
      const cache = LintCache.open(dir, BUILD) as LintCache;
      cache.set(key, { findings: [finding], createdTables: [] });
      cache.flush();
      assert.deepEqual(readdirSync(dir).sort(), [path.basename(recent), path.basename(file)].sort());
      assert.deepEqual((LintCache.open(dir, BUILD) as LintCache).get(key), { findings: [finding], createdTables: [] });
    } finally {
      cleanup();
    }
  });

  void it('is off without a folder or a build id (sources), with MIGRATION_GUARD_LINT_CACHE=off, and in a folder others can write', () => {
    const { dir, cleanup } = tempDir();
    try {
      assert.equal(LintCache.open(null, BUILD), null);
      assert.equal(LintCache.open(dir, undefined), null);
      assert.equal(LintCache.open(dir, 'not-hex'), null);
      assert.equal(LintCache.open(), null, 'from sources there is no analyzer build id');
      assert.equal(lintCacheDirectory({ MIGRATION_GUARD_LINT_CACHE: 'off' }), null);
      assert.equal(lintCacheDirectory({ MIGRATION_GUARD_LINT_CACHE: dir }), dir);
      assert.match(lintCacheDirectory({}) as string, /migration-guard-lint-cache-/);
      const shared = path.join(dir, 'shared');
      mkdirSync(shared);
      chmodSync(shared, 0o777);
      assert.equal(LintCache.open(shared, BUILD), null);
    } finally {
      cleanup();
    }
  });
});
