/**
 * `MIGRATION_GUARD_TRACE=1`: one stderr line per step of a command, with the milliseconds since the process
 * started and the thread (`main`, `worker`), to see where the time of a slow upgrade goes. Off by default:
 * then a call costs one property read. Shared by the main thread and the lint worker (the time origin is
 * the main process's, passed through the environment).
 */
import { isMainThread } from 'node:worker_threads';

const enabled = process.env.MIGRATION_GUARD_TRACE === '1';
if (enabled && isMainThread) process.env.MIGRATION_GUARD_TRACE_ORIGIN ??= String(performance.timeOrigin);
const origin = Number(process.env.MIGRATION_GUARD_TRACE_ORIGIN ?? performance.timeOrigin);

/** Writes `[trace <ms> <thread>] <step>` to stderr when tracing is on. */
export function trace(step: string): void {
  if (!enabled) return;
  process.stderr.write(`[trace ${(performance.timeOrigin + performance.now() - origin).toFixed(0).padStart(5)} ms ${isMainThread ? 'main  ' : 'worker'}] ${step}\n`);
}
