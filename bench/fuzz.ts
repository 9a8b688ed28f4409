/**
 * Robustness: at least 10,000 random and mutated SQL, JS/TS and Python documents through analyze();
 * no exception escapes, no parser or rule crashes inside (`analyzer-error` findings: the analyzer fails closed, issue 12)
 * and each returns within 200 ms (issue 3). Prints the count, max and p99 times.
 * Run: node --import tsx bench/fuzz.ts [count] [seed]
 */
import { machineFacts } from './generate';
import { runFuzz } from './fuzz-lib';

async function run(): Promise<void> {
  const count = Number(process.argv[2] ?? 10_000);
  const seed = Number(process.argv[3] ?? 1);
  const started = Date.now();
  const r = await runFuzz(count, seed);
  console.log(machineFacts());
  console.log(`fuzz: ${r.count} documents (SQL, JS/TS, Python; seed ${seed}) in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  console.log(`analyze(): max ${r.maxMs.toFixed(1)} ms, p99 ${r.p99Ms.toFixed(1)} ms (limit 200 ms each)`);
  console.log(
    `exceptions escaped: ${r.thrown.length}; analyzer-error findings (a parser or rule crashed): ${r.analyzerErrors.length}; slower than 200 ms on every timing: ${r.slow.length} (slow once, fast when re-timed: ${r.slowOnce}); malformed findings: ${r.malformed.length}`,
  );
  for (const x of r.analyzerErrors.slice(0, 5)) console.log(`  ${x.fileName}: ${x.message}`);
  for (const x of [...r.thrown, ...r.analyzerErrors, ...r.slow, ...r.malformed].slice(0, 5)) console.log(`  ${x.fileName}: ${JSON.stringify(x.text.slice(0, 200))}`);
  process.exitCode = r.thrown.length + r.analyzerErrors.length + r.slow.length + r.malformed.length === 0 ? 0 : 1;
}

void run();
