/**
 * Read-only documents for previews (the SQL a dry run captured) and reports (Validate, as Markdown): a
 * TextDocumentContentProvider with its own scheme, so the editor opens them read-only and closing one never asks to
 * save (an untitled document would).
 */
import * as vscode from 'vscode';

/** URI scheme of preview documents. */
export const PREVIEW_SCHEME = 'migration-guard-preview';

/** How many previews are kept for their tabs to reopen; older ones say they are gone. */
const KEEP = 20;

/** The languages a document opens in, with the file extension its tab shows. */
const EXTENSIONS = { sql: 'sql', markdown: 'md' } as const;

/** Language of a read-only document. */
export type PreviewLanguage = keyof typeof EXTENSIONS;

/** The provider and its `show`. */
export class PreviewDocuments implements vscode.TextDocumentContentProvider, vscode.Disposable {
  private readonly contents = new Map<string, string>();
  private count = 0;
  private readonly registration: vscode.Disposable;

  constructor() {
    this.registration = vscode.workspace.registerTextDocumentContentProvider(PREVIEW_SCHEME, this);
  }

  provideTextDocumentContent(uri: vscode.Uri): string {
    const kept = this.contents.get(uri.toString());
    if (kept !== undefined) return kept;
    return uri.path.endsWith('.md')
      ? 'This report is no longer kept. Run the Migration Guard command again.\n'
      : '-- This preview is no longer kept. Run "Migration Guard: Preview Pending SQL" again.\n';
  }

  /**
   * Opens `content` as a read-only document in `language` titled `title` (the tab shows `<title>.sql` or `<title>.md`).
   * @returns the editor shown
   */
  async show(title: string, content: string, language: PreviewLanguage = 'sql'): Promise<vscode.TextEditor> {
    this.count += 1;
    // The query keeps each preview its own document; the path gives the tab its name and the language (.sql, .md).
    const uri = vscode.Uri.from({ scheme: PREVIEW_SCHEME, path: `/${title.replace(/[/\\]/g, '_')}.${EXTENSIONS[language]}`, query: String(this.count) });
    this.contents.set(uri.toString(), content);
    for (const key of [...this.contents.keys()].slice(0, Math.max(0, this.contents.size - KEEP))) this.contents.delete(key);
    const document = await vscode.workspace.openTextDocument(uri);
    const typed = document.languageId === language ? document : await vscode.languages.setTextDocumentLanguage(document, language);
    return vscode.window.showTextDocument(typed, { preview: true });
  }

  dispose(): void {
    this.registration.dispose();
    this.contents.clear();
  }
}
