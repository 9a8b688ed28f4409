/**
 * Palette commands: Upgrade (with a modal confirmation listing pending migrations and unsafe
 * findings), Backup, Validate, Refresh. Each runs the engine with a progress notification and
 * writes to the one output channel; none re-implements engine logic.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { BackupResult, PendingFinding, UpgradeResult, ValidateResult } from '../../server/src/protocol';
import { Engine, EngineError, type EngineTarget } from './engine';

/** What commands need from the extension. */
export interface CommandContext {
  engine: Engine;
  output: vscode.OutputChannel;
  /** Asks the user for the workspace folder to act on (or picks the only one); undefined = none / cancelled. */
  pickTarget(): Promise<EngineTarget | undefined>;
  /** Refreshes the revision tree and status bar. */
  refresh(): void;
}

function describeFinding(f: PendingFinding): string {
  return `${f.severity.toUpperCase()} ${f.migration}:${f.line}:${f.column} ${f.ruleId}: ${f.message}`;
}

/** Runs engine work under a progress notification titled `title`. */
function withProgress<T>(title: string, work: (token: vscode.CancellationToken) => Promise<T>): Thenable<T> {
  return vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title, cancellable: true }, (_progress, token) => work(token));
}

async function reportError(ctx: CommandContext, what: string, error: unknown): Promise<void> {
  const message = error instanceof EngineError ? error.message : error instanceof Error ? error.message : String(error);
  const hint = error instanceof EngineError && error.hint ? ` ${error.hint}` : '';
  ctx.output.appendLine(`${what} failed: ${message}${hint}`);
  if (error instanceof EngineError && error.code === 'cancelled') return;
  const choice = await vscode.window.showErrorMessage(`Migration Guard: ${what} failed: ${message}${hint}`, 'Show Output');
  if (choice === 'Show Output') ctx.output.show(true);
}

function requireTrust(): boolean {
  if (vscode.workspace.isTrusted) return true;
  void vscode.window.showWarningMessage('Migration Guard: running migrations loads your knexfile, which is workspace code. Trust this workspace first.', { modal: false });
  return false;
}

/** Migration Guard: Upgrade — plan (dry run), confirm in a modal, then the safe upgrade. */
export async function upgradeCommand(ctx: CommandContext): Promise<void> {
  if (!requireTrust()) return;
  const target = await ctx.pickTarget();
  if (!target) return;
  try {
    const plan = await withProgress('Migration Guard: checking pending migrations…', (token) =>
      ctx.engine.run<UpgradeResult>('upgrade', ['--dry-run'], target, token),
    );
    if (plan.pending.length === 0) {
      void vscode.window.showInformationMessage('Migration Guard: the database is up to date; no pending migrations.');
      return;
    }
    const unsafe = plan.findings.filter((f) => f.severity === 'error');
    const lines = [`Pending (${plan.pending.length}):`, ...plan.pending.map((name) => `  • ${name}`)];
    if (plan.findings.length > 0) lines.push('', `Findings (${plan.findings.length}):`, ...plan.findings.map((f) => `  • ${describeFinding(f)}`));
    lines.push('', plan.backupPlanned ? 'A backup is taken before anything is applied.' : 'The database does not exist yet: there is nothing to back up.');
    const action = unsafe.length > 0 ? 'Upgrade Anyway' : 'Upgrade';
    const message =
      unsafe.length > 0
        ? `${unsafe.length} unsafe change${unsafe.length === 1 ? '' : 's'} in ${plan.pending.length} pending migration${plan.pending.length === 1 ? '' : 's'}. Apply anyway?`
        : `Apply ${plan.pending.length} pending migration${plan.pending.length === 1 ? '' : 's'}?`;
    ctx.output.appendLine(`Upgrade plan:\n${lines.join('\n')}`);
    const choice = await vscode.window.showWarningMessage(message, { modal: true, detail: lines.join('\n') }, action);
    if (choice !== action) {
      ctx.output.appendLine('Upgrade cancelled by the user; nothing was applied.');
      return;
    }
    const args = ['--yes', ...(unsafe.length > 0 ? ['--allow-unsafe'] : [])];
    const result = await withProgress('Migration Guard: backing up and upgrading…', (token) =>
      ctx.engine.run<UpgradeResult>('upgrade', args, target, token),
    );
    ctx.refresh();
    const backup = result.backup ? ` Backup: ${path.basename(result.backup.path)}.` : '';
    ctx.output.appendLine(`Applied ${result.applied.length} migration(s) in batch ${result.batch ?? '-'}: ${result.applied.join(', ')}.${backup}`);
    if (result.validation && !result.validation.valid) {
      void vscode.window.showWarningMessage(
        `Migration Guard: applied ${result.applied.length} migration(s), but validation found problems: ${result.validation.problems.map((p) => p.message).join('; ')}`,
      );
      return;
    }
    const pick = await vscode.window.showInformationMessage(
      `Migration Guard: applied ${result.applied.length} migration${result.applied.length === 1 ? '' : 's'} (batch ${result.batch ?? '-'}).${backup}`,
      'Show Output',
    );
    if (pick === 'Show Output') ctx.output.show(true);
  } catch (error) {
    ctx.refresh();
    await reportError(ctx, 'Upgrade', error);
  }
}

/** Migration Guard: Backup — a consistent copy of the database. */
export async function backupCommand(ctx: CommandContext): Promise<void> {
  if (!requireTrust()) return;
  const target = await ctx.pickTarget();
  if (!target) return;
  try {
    const { backup } = await withProgress('Migration Guard: backing up the database…', (token) =>
      ctx.engine.run<BackupResult>('backup', [], target, token),
    );
    ctx.output.appendLine(`Backup written: ${backup.path} (${backup.bytes} bytes, sha256 ${backup.sha256})`);
    const pick = await vscode.window.showInformationMessage(`Migration Guard: backup written to ${path.basename(backup.path)}.`, 'Reveal');
    if (pick === 'Reveal') await vscode.commands.executeCommand('revealFileInOS', vscode.Uri.file(backup.path));
  } catch (error) {
    await reportError(ctx, 'Backup', error);
  }
}

/** Migration Guard: Validate — migration state, lock and database integrity. */
export async function validateCommand(ctx: CommandContext): Promise<void> {
  if (!requireTrust()) return;
  const target = await ctx.pickTarget();
  if (!target) return;
  try {
    const result = await withProgress('Migration Guard: validating…', (token) => ctx.engine.run<ValidateResult>('validate', [], target, token));
    ctx.refresh();
    ctx.output.appendLine(`Validate: checked ${result.checked.join(', ')}: ${result.valid ? 'valid' : 'INVALID'}`);
    for (const problem of result.problems) ctx.output.appendLine(`  ${problem.code}: ${problem.message}`);
    if (result.valid) {
      void vscode.window.showInformationMessage(`Migration Guard: valid (${result.checked.join(', ')}).`);
    } else {
      const pick = await vscode.window.showErrorMessage(
        `Migration Guard: ${result.problems.length} problem${result.problems.length === 1 ? '' : 's'}: ${result.problems.map((p) => p.message).join('; ')}`,
        'Show Output',
      );
      if (pick === 'Show Output') ctx.output.show(true);
    }
  } catch (error) {
    await reportError(ctx, 'Validate', error);
  }
}
