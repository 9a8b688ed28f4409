/**
 * Public entry of the pure analyzer (placeholder signatures; the analyzer is being written).
 */
import type { AnalyzeOptions, Finding } from './types';

export type { AnalyzeOptions, Finding } from './types';

/** Loads the WASM parsers once. Must be awaited before {@link analyze}. Safe to call repeatedly. */
export async function initAnalyzer(): Promise<void> {
  throw new Error('analyzer not implemented yet');
}

/** Analyzes one document and returns its findings, sorted by start offset. Never throws. */
export function analyze(_text: string, _options: AnalyzeOptions): Finding[] {
  throw new Error('analyzer not implemented yet');
}
