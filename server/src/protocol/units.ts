/**
 * How sizes read, the same in every front end (CLI text, the language server's messages and hovers, the editor's
 * dialogs): one formatter, so that a backup or a table is never "531 MB" in a terminal and "506 MiB" in the editor.
 */

/** Bytes for people, in powers of 1024 with IEC names: "812 B", "24 KiB", "3.1 MiB", "238 MiB", "1.2 GiB". */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value < 10 ? value.toFixed(1) : Math.round(value)} ${units[unit]}`;
}
