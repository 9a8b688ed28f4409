/**
 * CLI commands for backups: `backup [--label L] [--verify]`, `backups` (list), `prune --keep N [--yes]`,
 * `restore <backup> [--yes] [--force-disconnect]`, and the text of an upgrade's pre-flight and preview.
 * Registered by main.ts with {@link registerBackupCommands}; no `vscode` imports.
 */
import type { Command } from 'commander';
import { backup, defaultBackupDirectory, prune } from '../migrations/backup';
import type { LoadedProject } from '../migrations/project';
import type { EngineLog } from '../migrations/db';
import { EngineError } from '../migrations/errors';
import { formatAge, formatBytes, LIST_HASH_LIMIT, listBackups } from '../migrations/manifest';
import { restore } from '../migrations/restore';
import { ExitCode, type BackupListResult, type MigrationPreview, type PruneResult, type UpgradeResult } from '../protocol';
import { formatPreflight } from './format';

/** Flags every engine command takes (see main.ts `withEngineOptions`). */
export interface BackupEngineFlags {
  cwd?: string;
  env?: string;
  knexfile?: string;
  json?: boolean;
}

/** What the commands need from main.ts. */
export interface BackupCommandContext {
  /** Adds `--cwd`, `--env`, `--knexfile`, `--json`. */
  withEngineOptions(cmd: Command): Command;
  /** Loads the project from the flags. */
  project(flags: BackupEngineFlags): Promise<LoadedProject>;
  /** Prints JSON (`--json`) or the text. */
  emit(flags: { json?: boolean }, result: unknown, text: () => string): void;
  /** Progress on stderr. */
  progress: EngineLog;
  /** Sets the exit code. */
  setCode(code: number): void;
  /** Tells main whether errors must be printed as JSON. */
  setJson(json: boolean): void;
  /** Whether stdin is a terminal. */
  isTTY: boolean;
  /** Asks a question on stderr, returns the typed line. */
  ask(question: string): Promise<string>;
  /** Base for relative paths. */
  cwd: string;
}

/** Asks y/N (only on a terminal; elsewhere `--yes` is required). @throws EngineError `usage` / `cancelled`. */
async function confirm(ctx: BackupCommandContext, yes: boolean | undefined, question: string, command: string): Promise<void> {
  if (yes) return;
  if (!ctx.isTTY) throw new EngineError('usage', `${command} needs confirmation, and stdin is not a terminal.`, 'Pass --yes to proceed without a prompt.');
  const answer = await ctx.ask(`${question} [y/N] `);
  if (!/^y(es)?$/i.test(answer.trim())) throw new EngineError('cancelled', `${command} cancelled: nothing was changed.`);
}

/**
 * The backups table (newest first). An incomplete backup (no manifest, or one its file does not match)
 * shows `INCOMPLETE: <reason>` in the last column; the footer says what "complete" was checked by.
 */
export function formatBackupList(r: BackupListResult): string {
  if (r.backups.length === 0) return `No backups in ${r.directory}.`;
  const rows = [['NAME', 'SIZE', 'AGE', 'KIND', 'LABEL', 'MIGRATIONS APPLIED']];
  for (const b of r.backups) {
    const state = !b.complete
      ? `INCOMPLETE: ${b.problem ?? 'not verified'}`
      : b.migrations === null || b.migrations.length === 0
        ? 'none'
        : `${b.migrations.length}, last ${b.migrations[b.migrations.length - 1] ?? ''}`;
    rows.push([b.name, formatBytes(b.bytes), formatAge(b.ageSeconds), b.kind ?? '-', b.label ?? '-', state]);
  }
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((row) => (row[i] ?? '').length))) ?? [];
  const lines = rows.map((row) => row.map((c, i) => (i === row.length - 1 ? c : c.padEnd(widths[i] ?? 0))).join('  ').trimEnd());
  const incomplete = r.backups.filter((b) => !b.complete).length;
  const bySize = r.backups.filter((b) => b.complete && b.checked === 'size').length;
  const notes = [
    ...(incomplete ? [`${incomplete} incomplete backup(s): they cannot be restored, are not counted by prune, and are removed by prune once older than a day.`] : []),
    ...(bySize ? [`${bySize} backup(s) over 64 MB were checked by size only here; restore and prune check their sha256.`] : []),
  ];
  return [`Backups in ${r.directory} (newest first):`, ...lines, ...notes].join('\n');
}

/** What `prune` did (or, with `planned`, would do): deleted backups, removed and left incomplete files, kept backups. */
export function formatPrune(result: PruneResult, planned = false): string {
  const lines: string[] = [];
  if (result.deleted.length) lines.push(`${planned ? 'Would delete' : 'Deleted'} ${result.deleted.length} backup(s): ${result.deleted.join(', ')}`);
  for (const r of result.removedIncomplete) lines.push(`${planned ? 'Would remove' : 'Removed'} incomplete ${r.name} (${r.reason}; older than a day)`);
  for (const r of result.leftIncomplete) lines.push(`Left incomplete ${r.name} (${r.reason}): younger than a day, a backup may still be writing it.`);
  if (!result.deleted.length && !result.removedIncomplete.length) lines.push('Nothing to delete.');
  lines.push(result.kept.length ? `Kept ${result.kept.length} complete backup(s): ${result.kept.join(', ')}.` : 'No complete backup to keep.');
  return lines.join('\n');
}

/** Pre-flight findings and the dry-run preview of an upgrade or a downgrade as text ('' when there is neither). */
export function formatPreflightAndPreview(u: Pick<UpgradeResult, 'preflight' | 'preview'>): string {
  const preflight = formatPreflight(u.preflight);
  return `${preflight ? `\n${preflight}` : ''}${formatPreview(u.preview)}`;
}

/** The dry run's SQL preview as text, starting with a blank line ('' when there is none). */
export function formatPreview(preview: MigrationPreview[] | undefined): string {
  const lines: string[] = [];
  if (preview && preview.length > 0) {
    lines.push('', 'Preview (SQL run inside a transaction, then rolled back):');
    for (const p of preview) {
      lines.push(`  -- ${p.migration}${p.previewable ? '' : ' (not previewable)'}`);
      if (p.reason) lines.push(`  -- ${p.reason}`);
      if (p.error) lines.push(`  -- failed in the preview: ${p.error}`);
      for (const s of p.sql) lines.push(...`${s.trim()};`.split('\n').map((l) => `  ${l}`));
    }
  }
  return lines.join('\n');
}

/** Registers `backup`, `backups`, `prune` and `restore` on the program. */
export function registerBackupCommands(program: Command, ctx: BackupCommandContext): void {
  ctx
    .withEngineOptions(program.command('backup').description('write a backup of the database (and its manifest) under .migration-guard/backups'))
    .option('--label <label>', 'append a label to the name (letters, digits and - are kept)')
    .option('--verify', 'SQLite: also run PRAGMA quick_check on the copy now (restore always checks it before use)')
    .action(async (flags: BackupEngineFlags & { label?: string; verify?: boolean }) => {
      ctx.setJson(flags.json === true);
      const result = await backup(await ctx.project(flags), { log: ctx.progress, ...(flags.label ? { label: flags.label } : {}), ...(flags.verify ? { verify: true } : {}) });
      ctx.emit(flags, result, () => `Backup written: ${result.backup.path}\n  ${result.backup.bytes} bytes, sha256 ${result.backup.sha256}\n  manifest ${result.backup.manifest ?? '-'}`);
    });

  ctx.withEngineOptions(program.command('backups').description('list backups, newest first, with size, age, label and migration state; incomplete ones with the reason')).action(async (flags: BackupEngineFlags) => {
    ctx.setJson(flags.json === true);
    const directory = defaultBackupDirectory(await ctx.project(flags));
    const result: BackupListResult = { directory, backups: await listBackups(directory, { hashUpTo: LIST_HASH_LIMIT }) };
    ctx.emit(flags, result, () => formatBackupList(result));
  });

  ctx
    .withEngineOptions(program.command('prune').description('delete the oldest complete backups, keeping the newest N (never the newest), and incomplete ones older than a day'))
    .requiredOption('--keep <n>', 'how many of the newest complete backups to keep (at least 1)')
    .option('-y, --yes', 'do not ask for confirmation')
    .action(async (flags: BackupEngineFlags & { keep: string; yes?: boolean }) => {
      ctx.setJson(flags.json === true);
      const p = await ctx.project(flags);
      const keep = /^\d+$/.test(flags.keep) ? Number(flags.keep) : NaN;
      const plan = await prune(p, keep, { dryRun: true });
      const changes = plan.deleted.length + plan.removedIncomplete.length;
      if (changes > 0) await confirm(ctx, flags.yes, `${formatPrune(plan, true)}\nProceed?`, 'prune');
      const result = changes > 0 ? await prune(p, keep) : plan;
      ctx.emit(flags, result, () => formatPrune(result));
    });

  ctx
    .withEngineOptions(program.command('restore').description('verify a backup against its manifest, back up the current database, then restore'))
    .argument('<backup>', 'backup name (as listed by `backups`) or path')
    .option('-y, --yes', 'do not ask for confirmation')
    .option('--force-disconnect', 'PostgreSQL: terminate the other sessions connected to the database instead of refusing (says how many)')
    .action(async (ref: string, flags: BackupEngineFlags & { yes?: boolean; forceDisconnect?: boolean }) => {
      ctx.setJson(flags.json === true);
      const p = await ctx.project(flags);
      await confirm(ctx, flags.yes, `Replace the contents of ${p.info.connection} with ${ref}? (a safety backup is taken first)`, 'restore');
      const result = await restore(p, ref, { log: ctx.progress, cwd: ctx.cwd, ...(flags.forceDisconnect ? { forceDisconnect: true } : {}) });
      ctx.emit(flags, result, () =>
        [
          `Restored ${result.restored.name} (${result.method}; sha256 verified).`,
          result.safetyBackup ? `Safety backup of the database before the restore: ${result.safetyBackup.path}` : 'No safety backup: there was no database to save.',
          `Applied migrations now: ${result.migrations.length ? result.migrations.join(', ') : 'none'}`,
          ...result.notes.map((n) => `note: ${n}`),
        ].join('\n'),
      );
      ctx.setCode(ExitCode.ok);
    });
}
