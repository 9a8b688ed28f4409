/**
 * A smaller run of bench/fuzz.ts: random and mutated SQL, JS/TS and Python documents through analyze();
 * no exception escapes, each call within 200 ms (a slow call is re-timed up to 3 times to rule out a pause of a shared CPU),
 * every finding inside its document. The full 10,000-document run: node --import tsx bench/fuzz.ts
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fuzzCase, runFuzz } from '../../bench/fuzz-lib';

test('cases are deterministic per seed and cover SQL, JS/TS and Python', () => {
  assert.deepEqual(fuzzCase(3, 10), fuzzCase(3, 10));
  assert.notDeepEqual(fuzzCase(3, 10), fuzzCase(4, 10));
  const exts = new Set(Array.from({ length: 30 }, (_, i) => /\.(\w+)$/.exec(fuzzCase(1, i).fileName)?.[1]));
  for (const ext of ['sql', 'py']) assert.ok(exts.has(ext), ext);
  assert.ok(['js', 'ts', 'cjs', 'mjs'].some((e) => exts.has(e)));
});

test('600 fuzzed documents: nothing throws, nothing is slow, findings stay inside the text', async () => {
  const r = await runFuzz(600, Number(process.env.MG_FUZZ_SEED ?? 2));
  assert.deepEqual(r.thrown.map((x) => `${x.fileName}: ${x.error}`), []);
  assert.deepEqual(r.slow.map((x) => `${x.fileName}: ${x.ms.toFixed(0)} ms`), []);
  assert.deepEqual(r.malformed.map((x) => x.fileName), []);
  assert.equal(r.count, 600);
});
