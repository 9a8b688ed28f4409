/**
 * A smaller run of bench/fuzz.ts: random and mutated SQL, JS/TS and Python documents through analyze();
 * no exception escapes, no parser or rule crashes inside (no `analyzer-error` finding), each call within 200 ms (a slow call is re-timed up to 3 times to rule out a pause of a shared CPU),
 * every finding inside its document. The full 10,000-document run: node --import tsx bench/fuzz.ts
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fuzzCase, runFuzz } from '../../bench/fuzz-lib';
import { addRulesForTesting } from '../../server/src/lint';

test('cases are deterministic per seed and cover SQL, JS/TS and Python', () => {
  assert.deepEqual(fuzzCase(3, 10), fuzzCase(3, 10));
  assert.notDeepEqual(fuzzCase(3, 10), fuzzCase(4, 10));
  const exts = new Set(Array.from({ length: 30 }, (_, i) => /\.(\w+)$/.exec(fuzzCase(1, i).fileName)?.[1]));
  for (const ext of ['sql', 'py']) assert.ok(exts.has(ext), ext);
  assert.ok(['js', 'ts', 'cjs', 'mjs'].some((e) => exts.has(e)));
});

test('600 fuzzed documents: nothing throws, nothing crashes inside, nothing is slow, findings stay inside the text', async () => {
  const r = await runFuzz(600, Number(process.env.MG_FUZZ_SEED ?? 2));
  assert.deepEqual(r.thrown.map((x) => `${x.fileName}: ${x.error}`), []);
  assert.deepEqual(r.analyzerErrors.map((x) => `${x.fileName}: ${x.message}`), []);
  assert.deepEqual(r.slow.map((x) => `${x.fileName}: ${x.ms.toFixed(0)} ms`), []);
  assert.deepEqual(r.malformed.map((x) => x.fileName), []);
  assert.equal(r.count, 600);
});

test('a parser or rule crash inside analyze() fails the run (analyzer-error findings are counted)', async () => {
  const off = addRulesForTesting({
    meta: { id: 'test-always-throws', defaultSeverity: 'warning', title: 'test', description: 'test', help: 'test', docsPath: 'docs/rules/none.md' },
    check() {
      throw new Error('crash');
    },
  });
  try {
    const r = await runFuzz(30, 2);
    assert.deepEqual(r.thrown, []);
    assert.ok(r.analyzerErrors.length > 0);
    assert.match(r.analyzerErrors[0]!.message, /test-always-throws crashed/);
  } finally {
    off();
  }
});
