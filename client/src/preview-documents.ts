/**
 * Read-only documents for previews (the SQL a dry run captured): a TextDocumentContentProvider with its own scheme,
 * so the editor opens them read-only and closing one never asks to save (an untitled document would).
 */
import * as vscode from 'vscode';

/** URI scheme of preview documents. */
export const PREVIEW_SCHEME = 'migration-guard-preview';

/** How many previews are kept for their tabs to reopen; older ones say they are gone. */
const KEEP = 20;

/** The provider and its `show`. */
export class PreviewDocuments implements vscode.TextDocumentContentProvider, vscode.Disposable {
  private readonly contents = new Map<string, string>();
  private count = 0;
  private readonly registration: vscode.Disposable;

  constructor() {
    this.registration = vscode.workspace.registerTextDocumentContentProvider(PREVIEW_SCHEME, this);
  }

  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.contents.get(uri.toString()) ?? '-- This preview is no longer kept. Run "Migration Guard: Preview Pending SQL" again.\n';
  }

  /**
   * Opens `content` as a read-only SQL document titled `title` (the tab shows `<title>.sql`).
   * @returns the editor shown
   */
  async show(title: string, content: string): Promise<vscode.TextEditor> {
    this.count += 1;
    // The query keeps each preview its own document; the path gives the tab its name and the language (.sql).
    const uri = vscode.Uri.from({ scheme: PREVIEW_SCHEME, path: `/${title.replace(/[/\\]/g, '_')}.sql`, query: String(this.count) });
    this.contents.set(uri.toString(), content);
    for (const key of [...this.contents.keys()].slice(0, Math.max(0, this.contents.size - KEEP))) this.contents.delete(key);
    const document = await vscode.workspace.openTextDocument(uri);
    const sql = document.languageId === 'sql' ? document : await vscode.languages.setTextDocumentLanguage(document, 'sql');
    return vscode.window.showTextDocument(sql, { preview: true });
  }

  dispose(): void {
    this.registration.dispose();
    this.contents.clear();
  }
}
