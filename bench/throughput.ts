/**
 * Throughput: PostgreSQL statements per second through analyze() (parse + every rule enabled) on a
 * generated 5,000-statement migration. Target (issue 3): at least 25,000 statements/s.
 * Run: node --import tsx bench/throughput.ts
 */
import { performance } from 'node:perf_hooks';
import { analyze, initAnalyzer, rules } from '../server/src/lint';
import { generatePostgresMigration, machineFacts } from './generate';

const STATEMENTS = 5_000;

async function run(): Promise<void> {
  await initAnalyzer();
  const text = generatePostgresMigration(STATEMENTS);
  // Every rule on, including those off by default (e.g. require-lock-timeout).
  const allOn = Object.fromEntries(rules.map((r) => [r.id, (r.defaultSeverity as string) === 'off' ? 'warning' : r.defaultSeverity] as const));
  const options = { fileName: 'bench.sql', dialect: 'postgresql' as const, rules: allOn };
  for (let i = 0; i < 3; i++) analyze(text, options); // warm-up (JIT, WASM)
  const runs: number[] = [];
  let findings = 0;
  for (let i = 0; i < 5; i++) {
    const started = performance.now();
    findings = analyze(text, options).length;
    runs.push(performance.now() - started);
  }
  const best = Math.min(...runs);
  const median = [...runs].sort((a, b) => a - b)[2];
  console.log(machineFacts());
  console.log(`file: ${STATEMENTS} statements, ${(Buffer.byteLength(text) / 1024).toFixed(0)} KiB, ${rules.length} rules all enabled, ${findings} findings`);
  console.log(`analyze(): median ${median.toFixed(1)} ms, best ${best.toFixed(1)} ms over 5 runs`);
  console.log(`throughput: ${Math.round(STATEMENTS / (median / 1000)).toLocaleString('en-US')} statements/s (median; target >= 25,000)`);
}

void run();
