/**
 * Status on 1,000 migrations (target: ≤ 300 ms). A temp project with 1,000 migration files on a real
 * SQLite file where all 1,000 are recorded as applied, each with a checksum (the worst case: every
 * file is hashed). Measures `loadProject` + `getStatus` in-process, prints every run and the median.
 *
 *   node --import tsx bench/status.ts [runs=9]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { getStatus, loadProject } from '../server/src/migrations';
import { writeAppliedKnexProject } from './knex-project';

const COUNT = 1000;
const runs = Number(process.argv[2] ?? 9);


async function main(): Promise<void> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mg-bench-status-'));
  try {
    const now = Date.now();
    await writeAppliedKnexProject(dir, COUNT, () => now);

    const times: number[] = [];
    for (let i = 0; i < runs + 1; i++) {
      const t0 = performance.now();
      const project = await loadProject({ cwd: dir, processEnv: {} });
      const s = await getStatus(project);
      const ms = performance.now() - t0;
      if (s.migrations.length !== COUNT || s.migrations.some((m) => m.state !== 'applied' || m.checksum !== 'match')) throw new Error('unexpected status');
      if (i > 0) times.push(ms); // the first run warms the module cache and the driver
      else console.log(`warm-up run: ${ms.toFixed(1)} ms`);
    }
    times.sort((a, b) => a - b);
    const median = times[Math.floor(times.length / 2)] as number;
    console.log(`runs (ms): ${times.map((t) => t.toFixed(1)).join(', ')}`);
    console.log(`status on ${COUNT} applied migrations (all with checksums), SQLite: median ${median.toFixed(1)} ms over ${times.length} runs (target ≤ 300 ms) ${median <= 300 ? 'OK' : 'OVER TARGET'}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

void main();
