/**
 * Palette and tree commands. Every write follows the same shape: ask the engine for the plan (a dry
 * run), show it in a modal, then run it with a progress notification, refresh the tree and log to the
 * one output channel. A protected environment's "type the database name" guard is asked for here and
 * checked by the engine. None of this re-implements engine logic.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import {
  commands,
  formatBytes,
  migrationNameProblem,
  normalizeMigrationName,
  type BackupListEntry,
  type CommandInput,
  type FlagSpec,
  type MigrationPreview,
  type MigrationStatusEntry,
  type PendingFinding,
  type PreflightFinding,
  type ResultOf,
  type UpgradeResult,
} from '../../server/src/protocol';
import { Engine, EngineError, type EngineCommand, type EngineTarget } from './engine';
import { downgradeEffectLines, planTarget } from './plan-text';
import type { PreviewDocuments } from './preview-documents';
import { plural, relativeTime } from './relative-time';
import { revealActions } from './reveal-actions';
import { renderValidateReport, validateVerdict, type ValidateWhere, type ValidationRecord } from './validate-report';
import type { ValidationStore } from './validate-store';

/** What commands need from the extension. */
export interface CommandContext {
  engine: Engine;
  output: vscode.OutputChannel;
  /** Asks the user for the workspace folder to act on (or picks the only one); undefined = none / cancelled. */
  pickTarget(): Promise<EngineTarget | undefined>;
  /** Refreshes the revision tree and status bar. */
  refresh(): void;
  /** Opens previews and reports as read-only documents. */
  previews: PreviewDocuments;
  /** The last Validate of each project, for the Revisions view's drift badge. */
  validations: ValidationStore;
}

/** A tree node passed to context-menu commands (see tree.ts). */
export interface MigrationNodeArgument {
  kind: 'migration';
  entry: MigrationStatusEntry;
  /** The project the node belongs to (the view's root); the command acts on it instead of asking. */
  target?: EngineTarget;
}

function describeFinding(f: PendingFinding): string {
  return `${f.severity.toUpperCase()} ${f.migration}:${f.line}:${f.column} ${f.ruleId}: ${f.message}`;
}

/** The modal lines of a dry run's pre-flight and of the migrations it could not preview (upgrade and downgrade plans). */
function previewLines(plan: Pick<UpgradeResult, 'preflight' | 'preview' | 'protectedTables'>): string[] {
  const lines: string[] = [];
  if (plan.preflight && plan.preflight.length > 0) lines.push('', 'On the live database:', ...plan.preflight.map((p) => `  • ${p.migration}: ${p.message}`));
  const notPreviewed = (plan.preview ?? []).filter((p) => !p.previewable || p.error);
  if (notPreviewed.length > 0) lines.push('', 'Not previewed:', ...notPreviewed.map((p) => `  • ${p.migration}: ${p.error ?? p.reason ?? ''}`));
  if (plan.protectedTables && plan.protectedTables.length > 0) {
    lines.push('', `Protected tables whose data is deleted: ${plan.protectedTables.join(', ')}. You will be asked to type each name.`);
  }
  return lines;
}

/** The harmless first button of the plan modals: it opens the plan's preview and applies nothing. */
const PREVIEW_BUTTON = 'Preview SQL';

/**
 * The upgrade / downgrade consent modal. VS Code focuses a modal's first item (index 0) as its default, so Enter
 * picks it; the Cancel it adds (or an item marked isCloseAffordance) always comes last, and a second item titled
 * Cancel would show two. So the first item is the harmless {@link PREVIEW_BUTTON}, then `action`, then Cancel:
 * Enter never applies. Resolves the title chosen, undefined for Cancel / Escape.
 */
async function planModal(message: string, detail: string, action: string): Promise<string | undefined> {
  return vscode.window.showWarningMessage(message, { modal: true, detail }, PREVIEW_BUTTON, action);
}

/** Shows a refused result (nothing was written) as a refusal with its reason. */
async function reportRefusal(ctx: CommandContext, what: string, reason: string | undefined): Promise<void> {
  const message = `Migration Guard: ${what} refused: ${reason ?? 'the plan is unsafe.'} Nothing was written.`;
  ctx.output.appendLine(message);
  const choice = await vscode.window.showErrorMessage(message, 'Show Output');
  if (choice === 'Show Output') ctx.output.show(true);
}

/**
 * Asks the user to type the name of each protected table (`.migration-guard.json` `protectedTables`) the plan
 * deletes data of; returns the tables confirmed (for `allowUnsafeTable`), or undefined when cancelled.
 */
async function confirmProtectedTables(tables: string[] | undefined): Promise<string[] | undefined> {
  const confirmed: string[] = [];
  for (const table of tables ?? []) {
    const typed = await vscode.window.showInputBox({
      title: 'Migration Guard: protected table',
      prompt: `This deletes data of the protected table ${table}. Type its name to allow it.`,
      ignoreFocusOut: true,
      validateInput: (value) => (value.trim() === table ? undefined : `Type ${table}`),
    });
    if (typed?.trim() !== table) return undefined;
    confirmed.push(table);
  }
  return confirmed;
}

/** Runs engine work under a cancellable progress notification titled `title`. */
function withProgress<T>(title: string, work: (token: vscode.CancellationToken) => Promise<T>): Thenable<T> {
  return vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title, cancellable: true }, (_progress, token) => work(token));
}

async function reportError(ctx: CommandContext, what: string, error: unknown): Promise<void> {
  const message = error instanceof Error ? error.message : String(error);
  const hint = error instanceof EngineError && error.hint ? ` ${error.hint}` : '';
  // A changed plan is a refusal (nothing was written), not a failure of the operation.
  const verdict = error instanceof EngineError && error.code === 'plan-changed' ? 'refused' : 'failed';
  ctx.output.appendLine(`${what} ${verdict}: ${message}${hint}`);
  if (error instanceof EngineError && error.code === 'cancelled') return;
  const choice = await vscode.window.showErrorMessage(`Migration Guard: ${what} ${verdict}: ${message}${hint}`, 'Show Output');
  if (choice === 'Show Output') ctx.output.show(true);
}

function requireTrust(): boolean {
  if (vscode.workspace.isTrusted) return true;
  void vscode.window.showWarningMessage('Migration Guard: this loads your knexfile, which is workspace code. Trust this workspace first.');
  return false;
}

/** A write command that takes `--confirm <database>` (upgrade, downgrade, mark-applied, unmark, unlock). */
type WriteCommand = EngineCommand & { readonly flags: { readonly confirm: FlagSpec } };

/**
 * Runs a write command; when the engine answers `confirmation-required` (a protected environment such
 * as production), asks the user to type the database name and runs it again with `--confirm`.
 */
async function runWrite<C extends WriteCommand>(ctx: CommandContext, title: string, command: C, input: CommandInput<C>, target: EngineTarget): Promise<ResultOf<C>> {
  try {
    return await withProgress(title, (token) => ctx.engine.run(command, input, target, token));
  } catch (error) {
    if (!(error instanceof EngineError) || error.code !== 'confirmation-required') throw error;
    const typed = await vscode.window.showInputBox({
      title: 'Migration Guard: protected environment',
      prompt: `${error.message} Type the database name to confirm.`,
      ignoreFocusOut: true,
      validateInput: (value) => (value.trim() ? undefined : 'Type the database name'),
    });
    if (!typed) throw new EngineError('Cancelled.', 'cancelled');
    // Every write command has `confirm` (WriteCommand); the types cannot see it through the generic C.
    const confirmed = { ...input, confirm: typed.trim() } as CommandInput<C>;
    return withProgress(title, (token) => ctx.engine.run(command, confirmed, target, token));
  }
}

/** Shared prologue: trust, then the project (`target` when a tree node gave it, else asked for). */
async function begin(ctx: CommandContext, target?: EngineTarget): Promise<EngineTarget | undefined> {
  if (!requireTrust()) return undefined;
  return target ?? ctx.pickTarget();
}

/** Selection of an upgrade: everything pending, the next N, or up to (and including) a migration. */
export type UpgradeSelection = { kind: 'latest' } | { kind: 'step'; step: number } | { kind: 'to'; name: string };

function selectionFlags(selection: UpgradeSelection): { step?: number; to?: string } {
  if (selection.kind === 'step') return { step: selection.step };
  if (selection.kind === 'to') return { to: selection.name };
  return {};
}

/** Migration Guard: Upgrade — plan (dry run with pre-flight), confirm in a modal, then the safe upgrade. */
export async function upgradeCommand(ctx: CommandContext, selection: UpgradeSelection = { kind: 'latest' }, on?: EngineTarget): Promise<void> {
  const target = await begin(ctx, on);
  if (!target) return;
  try {
    const select = selectionFlags(selection);
    const plan = await withProgress('Migration Guard: checking pending migrations…', (token) =>
      ctx.engine.run(commands.upgrade, { dryRun: true, ...select }, target, token),
    );
    if (plan.pending.length === 0) {
      void vscode.window.showInformationMessage('Migration Guard: the database is up to date; no pending migrations.');
      return;
    }
    // Unsafe: findings of error severity, or a pre-flight that deletes rows or values (the dry run says refused).
    const unsafe = plan.refused;
    const errorCount = plan.findings.filter((f) => f.severity === 'error').length;
    const lines = [`Pending (${plan.pending.length}):`, ...plan.pending.map((name) => `  • ${name}`)];
    if (plan.findings.length > 0) lines.push('', `Findings (${plan.findings.length}):`, ...plan.findings.map((f) => `  • ${describeFinding(f)}`));
    lines.push(...previewLines(plan));
    lines.push('', plan.backupPlanned ? 'A backup is taken before anything is applied.' : 'The database does not exist yet: there is nothing to back up.');
    const action = unsafe ? 'Upgrade Anyway' : 'Upgrade';
    const where = planTarget(plan.project);
    const message = unsafe
      ? `Upgrade ${where}? Unsafe: ${plan.refusedReason ?? `${plural(errorCount, 'unsafe change')}.`} ${plural(plan.pending.length, 'pending migration')}. Apply anyway?`
      : `Upgrade ${where}: apply ${plural(plan.pending.length, 'pending migration')}?`;
    ctx.output.appendLine(`Upgrade plan for ${where}:\n${lines.join('\n')}`);
    const choice = await planModal(message, lines.join('\n'), action);
    if (choice === PREVIEW_BUTTON) {
      ctx.output.appendLine('Upgrade not applied: the preview of the plan was opened instead.');
      await showPreview(ctx, `Upgrade preview ${where}`, plan.preview, plan.preflight);
      return;
    }
    if (choice !== action) {
      ctx.output.appendLine('Upgrade cancelled by the user; nothing was applied.');
      return;
    }
    // Consent binds to the plan shown: the engine applies only if the plan id is still the same (else plan-changed),
    // and --allow-unsafe then covers only the findings shown.
    const tables = await confirmProtectedTables(plan.protectedTables);
    if (!tables) {
      ctx.output.appendLine('Upgrade cancelled: a protected table was not confirmed; nothing was applied.');
      return;
    }
    const input = { yes: true, plan: plan.planId, ...select, ...(unsafe ? { allowUnsafe: true } : {}), allowUnsafeTable: tables };
    const result = await runWrite(ctx, 'Migration Guard: backing up and upgrading…', commands.upgrade, input, target);
    ctx.refresh();
    if (result.refused) {
      await reportRefusal(ctx, 'Upgrade', result.refusedReason);
      return;
    }
    const backup = result.backup ? ` Backup: ${path.basename(result.backup.path)}.` : '';
    ctx.output.appendLine(`Applied ${result.applied.length} migration(s) in batch ${result.batch ?? '-'}: ${result.applied.join(', ')}.${backup}`);
    if (result.validation && !result.validation.valid) {
      void vscode.window.showWarningMessage(
        `Migration Guard: applied ${result.applied.length} migration(s), but validation found problems: ${result.validation.problems.map((p) => p.message).join('; ')}`,
      );
      return;
    }
    const pick = await vscode.window.showInformationMessage(
      `Migration Guard: applied ${plural(result.applied.length, 'migration')} (batch ${result.batch ?? '-'}).${backup}`,
      'Show Output',
    );
    if (pick === 'Show Output') ctx.output.show(true);
  } catch (error) {
    ctx.refresh();
    await reportError(ctx, 'Upgrade', error);
  }
}

/** Migration Guard: Downgrade — undo the last applied migration (or down to a chosen one), after a backup. */
export async function downgradeCommand(ctx: CommandContext, to?: string, on?: EngineTarget): Promise<void> {
  const target = await begin(ctx, on);
  if (!target) return;
  try {
    const select = to ? { to } : { step: 1 };
    const plan = await withProgress('Migration Guard: planning the downgrade…', (token) =>
      ctx.engine.run(commands.downgrade, { dryRun: true, ...select }, target, token),
    );
    if (plan.planned.length === 0) {
      void vscode.window.showInformationMessage('Migration Guard: nothing to undo.');
      return;
    }
    const lines = [`Undone, in this order (${plan.planned.length}):`, ...plan.planned.map((name) => `  • ${name}`), '', ...downgradeEffectLines(plan), ...previewLines(plan)];
    lines.push('', "Each migration's down() runs: whatever it drops is gone. A backup is taken first.");
    const detail = lines.join('\n');
    const where = planTarget(plan.project);
    ctx.output.appendLine(`Downgrade plan for ${where}:\n${detail}`);
    const unsafe = plan.refused;
    const action = unsafe ? 'Downgrade Anyway' : 'Downgrade';
    const message = unsafe
      ? `Downgrade ${where}? Unsafe: ${plan.refusedReason ?? 'the down()s delete data.'} Undo ${plural(plan.planned.length, 'migration')} anyway?`
      : `Downgrade ${where}: undo ${plural(plan.planned.length, 'migration')}?`;
    const choice = await planModal(message, detail, action);
    if (choice === PREVIEW_BUTTON) {
      await showPreview(ctx, `Downgrade preview ${where}`, plan.preview, plan.preflight, 'the down()s');
      return;
    }
    if (choice !== action) return;
    const tables = await confirmProtectedTables(plan.protectedTables);
    if (!tables) {
      ctx.output.appendLine('Downgrade cancelled: a protected table was not confirmed; nothing was undone.');
      return;
    }
    const input = { yes: true, plan: plan.planId, ...select, ...(unsafe ? { allowUnsafe: true } : {}), allowUnsafeTable: tables };
    const result = await runWrite(ctx, 'Migration Guard: backing up and downgrading…', commands.downgrade, input, target);
    ctx.refresh();
    if (result.refused) {
      await reportRefusal(ctx, 'Downgrade', result.refusedReason);
      return;
    }
    const backup = result.backup ? ` Backup: ${path.basename(result.backup.path)}.` : '';
    ctx.output.appendLine(`Undone: ${result.undone.join(', ')}. Current: ${result.current ?? 'none'}.${backup}`);
    void vscode.window.showInformationMessage(`Migration Guard: undid ${plural(result.undone.length, 'migration')}.${backup}`);
  } catch (error) {
    ctx.refresh();
    await reportError(ctx, 'Downgrade', error);
  }
}

/** The preview as SQL text: a header, the pre-flight, then each migration's statements (or why it was not run). */
function previewText(preview: MigrationPreview[] | undefined, preflight: PreflightFinding[] | undefined, what: string): string {
  const parts = [`-- Migration Guard preview of ${what}: captured inside one transaction that was rolled back. Nothing was applied.`];
  for (const p of preflight ?? []) parts.push(`-- ! ${p.migration}: ${p.message}`);
  for (const p of preview ?? []) {
    parts.push('', `-- ${p.migration}${p.previewable ? '' : ` (not previewed: ${p.reason ?? 'unknown reason'})`}`);
    if (p.error) parts.push(`-- failed inside the preview: ${p.error}`);
    for (const sql of p.sql) parts.push(sql.trimEnd().endsWith(';') ? sql : `${sql};`);
  }
  return parts.join('\n') + '\n';
}

/** Opens a plan's preview as a read-only SQL document (no save prompt on close). */
async function showPreview(ctx: CommandContext, title: string, preview: MigrationPreview[] | undefined, preflight: PreflightFinding[] | undefined, what = 'the pending up()s'): Promise<void> {
  await ctx.previews.show(title, previewText(preview, preflight, what));
}

/**
 * Migration Guard: Preview Pending SQL — the SQL a dry run captured (everything pending, or up to a migration: the
 * CodeLens's Preview), in a read-only document.
 */
export async function previewCommand(ctx: CommandContext, selection: UpgradeSelection = { kind: 'latest' }, on?: EngineTarget): Promise<void> {
  const target = await begin(ctx, on);
  if (!target) return;
  try {
    const plan = await withProgress('Migration Guard: previewing pending migrations (rolled back)…', (token) =>
      ctx.engine.run(commands.upgrade, { dryRun: true, ...selectionFlags(selection) }, target, token),
    );
    if (plan.pending.length === 0) {
      void vscode.window.showInformationMessage('Migration Guard: no pending migrations to preview.');
      return;
    }
    await showPreview(ctx, `Preview ${planTarget(plan.project)}`, plan.preview, plan.preflight);
  } catch (error) {
    await reportError(ctx, 'Preview', error);
  }
}

/**
 * Preview of Downgrade to Here (an applied node's Preview): the down()s a dry run of `downgrade --to <name>` captured,
 * in a read-only document. Nothing is undone.
 */
export async function previewDowngradeCommand(ctx: CommandContext, to: string, on?: EngineTarget): Promise<void> {
  const target = await begin(ctx, on);
  if (!target) return;
  try {
    const plan = await withProgress('Migration Guard: previewing the downgrade (rolled back)…', (token) => ctx.engine.run(commands.downgrade, { dryRun: true, to }, target, token));
    if (plan.planned.length === 0) {
      void vscode.window.showInformationMessage(`Migration Guard: nothing is applied after ${to}; nothing to undo.`);
      return;
    }
    await showPreview(ctx, `Downgrade preview ${planTarget(plan.project)}`, plan.preview, plan.preflight, 'the down()s');
  } catch (error) {
    await reportError(ctx, 'Preview', error);
  }
}

/** Migration Guard: Backup — a consistent copy of the database, with a manifest. */
export async function backupCommand(ctx: CommandContext): Promise<void> {
  const target = await begin(ctx);
  if (!target) return;
  try {
    const { backup } = await withProgress('Migration Guard: backing up the database…', (token) =>
      ctx.engine.run(commands.backup, {}, target, token),
    );
    ctx.output.appendLine(`Backup written: ${backup.path} (${backup.bytes} bytes, sha256 ${backup.sha256})`);
    // Outside the try: a reveal that fails is not a failed backup.
    void offerReveal(ctx, `Migration Guard: backup written to ${path.basename(backup.path)}.`, backup.path);
  } catch (error) {
    await reportError(ctx, 'Backup', error);
  }
}

/**
 * An information message about `file` with the reveal actions this window has (reveal-actions.ts): the Explorer for a
 * file in the workspace, the OS file manager only in a local desktop window, and Copy Path everywhere.
 */
async function offerReveal(ctx: CommandContext, message: string, file: string): Promise<void> {
  const uri = vscode.Uri.file(file);
  const actions = revealActions({
    desktop: vscode.env.uiKind === vscode.UIKind.Desktop,
    remoteName: vscode.env.remoteName,
    inWorkspace: vscode.workspace.getWorkspaceFolder(uri) !== undefined,
  });
  const pick = await vscode.window.showInformationMessage(message, ...actions.map((a) => a.label));
  const action = actions.find((a) => a.label === pick);
  if (!action) return;
  try {
    if (action.command === 'copyPath') await vscode.env.clipboard.writeText(file);
    else await vscode.commands.executeCommand(action.command, uri);
  } catch (error) {
    ctx.output.appendLine(`${action.label} failed: ${error instanceof Error ? error.message : String(error)}`);
    await vscode.env.clipboard.writeText(file);
    void vscode.window.showInformationMessage(`Migration Guard: could not reveal the file; its path was copied: ${file}`);
  }
}

/** Lists the backups (newest first) in a quick pick; undefined when there are none or the user cancelled. */
async function pickBackup(ctx: CommandContext, target: EngineTarget): Promise<{ backup: BackupListEntry } | undefined> {
  const list = await withProgress('Migration Guard: listing backups…', (token) => ctx.engine.run(commands.backups, {}, target, token));
  if (list.backups.length === 0) {
    void vscode.window.showInformationMessage(`Migration Guard: no backups in ${list.directory}.`);
    return undefined;
  }
  return vscode.window.showQuickPick(
    list.backups.map((b) => ({
      label: b.name,
      description: `${relativeTime(b.created)} · ${(b.bytes / 1024).toFixed(0)} KiB${b.kind ? ` · ${b.kind}` : ''}${b.label ? ` · ${b.label}` : ''}`,
      detail: b.problem ?? (b.migrations ? `${plural(b.migrations.length, 'applied migration')}${b.migrations.length ? `, last ${b.migrations[b.migrations.length - 1]}` : ''}` : undefined),
      backup: b,
    })),
    { title: 'Migration Guard: restore which backup?', placeHolder: 'Newest first', matchOnDescription: true },
  );
}

/** What Restore is started with: the database file guard names the folder, and the backup for "Restore Latest Backup". */
export interface RestoreOptions {
  /** The workspace folder (else the user picks one). */
  target?: EngineTarget;
  /** The backup to restore (else the user picks one from `backups`); the confirmation is asked all the same. */
  backup?: BackupListEntry;
}

/** Migration Guard: Restore Backup… — pick a backup, confirm, restore (the engine saves the current database first). */
export async function restoreCommand(ctx: CommandContext, options: RestoreOptions = {}): Promise<void> {
  const target = options.target ?? (await begin(ctx));
  if (!target || !requireTrust()) return;
  try {
    const picked = options.backup ? { backup: options.backup } : await pickBackup(ctx, target);
    if (!picked) return;
    const action = 'Restore';
    const choice = await vscode.window.showWarningMessage(
      `Replace the database with ${picked.backup.name}?`,
      {
        modal: true,
        detail: `${picked.backup.name} was taken ${relativeTime(picked.backup.created)} (${picked.backup.created}), ${formatBytes(picked.backup.bytes)}.\nThe backup is verified against its checksum first, and the current database is backed up before it is replaced.`,
      },
      action,
    );
    if (choice !== action) return;
    // Not runWrite: restore takes no --confirm (a safety backup is taken first instead).
    const result = await withProgress('Migration Guard: restoring…', (token) => ctx.engine.run(commands.restore, { backup: picked.backup.path, yes: true }, target, token));
    ctx.refresh();
    const safety = result.safetyBackup ? ` The previous database was saved as ${path.basename(result.safetyBackup.path)}.` : '';
    ctx.output.appendLine(`Restored ${result.restored.name} via ${result.method}.${safety}${result.notes.length ? ` Notes: ${result.notes.join(' ')}` : ''}`);
    void vscode.window.showInformationMessage(`Migration Guard: restored ${result.restored.name}.${safety}`);
  } catch (error) {
    ctx.refresh();
    await reportError(ctx, 'Restore', error);
  }
}

/**
 * Migration Guard: Validate — migration files, lock, integrity and schema drift, on `on` (the Revisions view's root)
 * or the picked project. The engine's answer (or its error, never shown as valid) opens as a read-only Markdown
 * report (validate-report.ts) and is kept for the view's drift badge (ValidationStore).
 */
export async function validateCommand(ctx: CommandContext, on?: EngineTarget): Promise<void> {
  const target = await begin(ctx, on);
  if (!target) return;
  const where: ValidateWhere = { folder: target.folder.name, root: target.project?.root ?? target.folder.uri.fsPath };
  let record: ValidationRecord;
  try {
    const result = await withProgress('Migration Guard: validating (the applied migrations are replayed in a scratch database)…', (token) =>
      ctx.engine.run(commands.validate, {}, target, token),
    );
    record = { kind: 'result', at: new Date().toISOString(), result };
    ctx.output.appendLine(`Validate ${planTarget(result.project)}: ${validateVerdict(record)} Checked: ${result.checked.join(', ')}.`);
    for (const problem of result.problems) ctx.output.appendLine(`  ${problem.severity ?? 'error'} ${problem.code}: ${problem.message}`);
    for (const item of result.drift ?? []) ctx.output.appendLine(`  drift ${item.kind} ${item.table}: ${item.message} ${item.hint}`);
  } catch (error) {
    if (error instanceof EngineError && error.code === 'cancelled') {
      ctx.output.appendLine('Validate cancelled.');
      return;
    }
    const failure = error instanceof EngineError ? { message: error.message, code: error.code, ...(error.hint ? { hint: error.hint } : {}) } : { message: error instanceof Error ? error.message : String(error), code: 'unknown' };
    record = { kind: 'error', at: new Date().toISOString(), error: failure };
    void reportError(ctx, 'Validate', error);
  }
  ctx.validations.set(target, record);
  ctx.refresh();
  const title = record.kind === 'result' ? `Validate ${planTarget(record.result.project)}` : `Validate ${target.folder.name} (failed)`;
  try {
    await ctx.previews.show(title, renderValidateReport(record, where), 'markdown');
  } catch (error) {
    ctx.output.appendLine(`The Validate report could not be opened: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** Migration Guard: Unlock — free Knex's migration lock after the engine checked no migration runs. */
export async function unlockCommand(ctx: CommandContext): Promise<void> {
  const target = await begin(ctx);
  if (!target) return;
  const action = 'Unlock';
  const choice = await vscode.window.showWarningMessage(
    'Free the migration lock?',
    { modal: true, detail: 'Only do this when no migration is running (for example after a crash). Migration Guard checks the database for a running migration first.' },
    action,
  );
  if (choice !== action) return;
  try {
    const result = await runWrite(ctx, 'Migration Guard: unlocking…', commands.unlock, {}, target);
    ctx.refresh();
    ctx.output.appendLine(`Unlock: ${result.freed ? 'freed' : 'was already free'}; checked ${result.checked.join('; ')}`);
    void vscode.window.showInformationMessage(`Migration Guard: ${result.freed ? 'the lock is free again' : 'the lock was already free'}.`);
  } catch (error) {
    await reportError(ctx, 'Unlock', error);
  }
}

/** Mark as Applied (baseline) / Unmark, from the tree's context menu: records without running code. */
export async function markCommand(ctx: CommandContext, node: MigrationNodeArgument | undefined, command: typeof commands.markApplied | typeof commands.unmark): Promise<void> {
  if (!node) {
    void vscode.window.showInformationMessage('Migration Guard: use this from a migration in the Revisions view.');
    return;
  }
  const target = await begin(ctx, node.target);
  if (!target) return;
  const name = node.entry.name;
  const marking = command === commands.markApplied;
  const verb = marking ? 'Mark as Applied' : 'Unmark';
  const detail =
    marking
      ? 'Its code does NOT run: use this only when the database already has what the migration creates (baselining an existing database).'
      : "Its down() does NOT run: use this only when the database no longer has what the migration created.";
  const choice = await vscode.window.showWarningMessage(`${verb} ${name}?`, { modal: true, detail }, verb);
  if (choice !== verb) return;
  try {
    const result = await runWrite(ctx, `Migration Guard: ${verb.toLowerCase()}…`, command, { name }, target);
    ctx.refresh();
    ctx.output.appendLine(`${result.action} ${result.name} (batch ${result.batch})`);
  } catch (error) {
    await reportError(ctx, verb, error);
  }
}

/** Migration Guard: New Migration — a file from the engine's safe template, opened in the editor. */
export async function newMigrationCommand(ctx: CommandContext): Promise<void> {
  const target = await begin(ctx);
  if (!target) return;
  const typed = await vscode.window.showInputBox({
    title: 'Migration Guard: new migration',
    prompt: 'What it does, e.g. add status to orders (the file name is made from it)',
    // The engine normalises the name the same way (protocol normalizeMigrationName): the input box shows the result.
    validateInput: (value) => {
      const name = normalizeMigrationName(value);
      const problem = migrationNameProblem(name);
      if (problem) return value.trim() ? `Invalid name: ${problem}` : undefined;
      return name === value ? undefined : { message: `File name: <timestamp>_${name}`, severity: vscode.InputBoxValidationSeverity.Info };
    },
  });
  const name = typed === undefined ? '' : normalizeMigrationName(typed);
  if (!name) return;
  try {
    const result = await ctx.engine.run(commands.new, { name }, target);
    ctx.refresh();
    await vscode.window.showTextDocument(vscode.Uri.file(result.file));
  } catch (error) {
    await reportError(ctx, 'New migration', error);
  }
}
