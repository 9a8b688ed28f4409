/**
 * Explorer badges (FileDecorationProvider): pending `P`, edited `E`, `!` for error findings, `?` on the migrations
 * folder while applied migrations have no file (decoration-map.ts). The state is the shared status read
 * (status-store.ts); the findings are the language server's diagnostics of error severity.
 */
import * as vscode from 'vscode';
import { migrationDecorations, type DecorationSpec, type DecorationTone } from './decoration-map';
import type { StatusStore } from './status-store';

/** Colors contributed in package.json (`contributes.colors`). */
const TONE_COLOR: Record<DecorationTone, string> = {
  pending: 'migrationGuard.pendingMigrationForeground',
  warning: 'migrationGuard.warningMigrationForeground',
  error: 'migrationGuard.errorMigrationForeground',
};

/** The diagnostics source of the language server (lsp/convert.ts). */
const SOURCE = 'migration-guard';

class MigrationDecorationProvider implements vscode.FileDecorationProvider, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<vscode.Uri[] | undefined>();
  readonly onDidChangeFileDecorations = this.changed.event;
  private decorations = new Map<string, DecorationSpec>();
  private generation = 0;

  constructor(private readonly store: StatusStore) {}

  /** Reads the state of every project (shared, cached) and the current diagnostics, and redraws the badges that changed. */
  async update(): Promise<void> {
    const generation = ++this.generation;
    const errorFindings = new Map<string, number>();
    for (const [uri, diagnostics] of vscode.languages.getDiagnostics()) {
      const errors = diagnostics.filter((d) => d.source === SOURCE && d.severity === vscode.DiagnosticSeverity.Error).length;
      if (errors > 0 && uri.scheme === 'file') errorFindings.set(uri.fsPath, errors);
    }
    const roots = (await this.store.roots()) ?? [];
    if (generation !== this.generation) return; // a newer update is under way
    const statuses = roots.flatMap((r) => (r.state.kind === 'knex' ? [r.state.status] : []));
    const next = migrationDecorations(statuses, errorFindings);
    const touched = new Set([...this.decorations.keys(), ...next.keys()]);
    const differs = [...touched].filter((file) => JSON.stringify(this.decorations.get(file)) !== JSON.stringify(next.get(file)));
    this.decorations = next;
    if (differs.length > 0) this.changed.fire(differs.map((file) => vscode.Uri.file(file)));
  }

  provideFileDecoration(uri: vscode.Uri): vscode.FileDecoration | undefined {
    if (uri.scheme !== 'file') return undefined;
    const spec = this.decorations.get(uri.fsPath);
    if (!spec) return undefined;
    return new vscode.FileDecoration(spec.badge, spec.tooltip, new vscode.ThemeColor(TONE_COLOR[spec.tone]));
  }

  dispose(): void {
    this.changed.dispose();
  }
}

/** Registers the provider; it redraws when the store refreshes and when diagnostics change (debounced 300 ms). */
export function registerMigrationDecorations(store: StatusStore): vscode.Disposable {
  const provider = new MigrationDecorationProvider(store);
  let timer: NodeJS.Timeout | undefined;
  const later = () => {
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => void provider.update(), 300);
  };
  // The first read waits for activation to finish (the engine starts lazily).
  later();
  return vscode.Disposable.from(
    provider,
    vscode.window.registerFileDecorationProvider(provider),
    store.onDidChange(() => void provider.update()),
    vscode.languages.onDidChangeDiagnostics(later),
    { dispose: () => timer && clearTimeout(timer) },
  );
}
