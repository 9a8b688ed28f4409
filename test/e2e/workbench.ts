/**
 * Drives code-server's workbench in headless Chromium with playwright-core, the way a person would:
 * Quick Open, the command palette (F1), the Problems panel, activity-bar views, modal dialogs and
 * notification toasts. Every wait is on a selector or a DOM condition, never a fixed sleep.
 *
 * playwright-core is not a dependency of the project (it lives in the end-to-end environment next to
 * code-server), so it is loaded with createRequire and typed by the few members used here.
 */
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';

// ---- the slice of playwright-core's API this file uses
export interface Locator {
  first(): Locator;
  nth(index: number): Locator;
  filter(options: { hasText?: string | RegExp; has?: Locator }): Locator;
  locator(selector: string, options?: { hasText?: string | RegExp }): Locator;
  waitFor(options?: { state?: 'attached' | 'detached' | 'visible' | 'hidden'; timeout?: number }): Promise<void>;
  innerText(options?: { timeout?: number }): Promise<string>;
  allInnerTexts(): Promise<string[]>;
  click(options?: { timeout?: number; button?: 'left' | 'right' | 'middle' }): Promise<void>;
  hover(options?: { timeout?: number }): Promise<void>;
  getAttribute(name: string): Promise<string | null>;
  count(): Promise<number>;
  boundingBox(): Promise<{ x: number; y: number; width: number; height: number } | null>;
}
export interface Page {
  goto(url: string, options?: { timeout?: number }): Promise<unknown>;
  locator(selector: string, options?: { hasText?: string | RegExp }): Locator;
  keyboard: { press(key: string): Promise<void>; type(text: string, options?: { delay?: number }): Promise<void> };
  mouse: { move(x: number, y: number, options?: { steps?: number }): Promise<void>; down(): Promise<void>; up(): Promise<void> };
  screenshot(options: { path: string; fullPage?: boolean }): Promise<Buffer>;
  waitForFunction<A>(fn: string | ((arg: A) => unknown), arg: A, options?: { timeout?: number; polling?: number | 'raf' }): Promise<unknown>;
  evaluate<R, A>(fn: (arg: A) => R, arg: A): Promise<R>;
  evaluate<R>(expression: string): Promise<R>;
  on(event: 'console', handler: (message: { type(): string; text(): string }) => void): void;
  on(event: 'pageerror', handler: (error: Error) => void): void;
}
export interface BrowserContext {
  pages(): Page[];
  newPage(): Promise<Page>;
  close(): Promise<void>;
}
export interface Chromium {
  launchPersistentContext(
    userDataDir: string,
    options: { executablePath: string; headless: boolean; args: string[]; viewport: { width: number; height: number }; timeout?: number },
  ): Promise<BrowserContext>;
}

// ---- the slice of the DOM that page functions (run in the browser) use; the test project has no DOM lib
interface DomElement {
  textContent: string | null;
  querySelector(selector: string): DomElement | null;
  querySelectorAll(selector: string): ArrayLike<DomElement>;
}
declare const document: { getElementById(id: string): DomElement | null; querySelector(selector: string): DomElement | null };

/**
 * Runs in the page: label and description of every list row in view container `id`.
 * No named inner functions: tsx compiles those to `__name(...)` calls that do not exist in the page.
 */
function readTreeRows(id: string): TreeRow[] {
  const container = document.getElementById(`workbench.view.extension.${id}`);
  return Array.from(container ? container.querySelectorAll('.monaco-list-row') : []).map((row) => ({
    label: (row.querySelector('.label-name')?.textContent ?? '').replace(/\s+/g, ' ').trim(),
    description: (row.querySelector('.label-description')?.textContent ?? '').replace(/\s+/g, ' ').trim(),
  }));
}

/**
 * A page expression: the badges of the Explorer row labelled `name` (null without such a row). VS Code draws file
 * decoration badges as CSS `::after` content, joining several providers' badges with ", ".
 */
function explorerBadgesExpression(name: string): string {
  return `((name) => {
    const rows = Array.from(document.querySelectorAll('.explorer-folders-view .monaco-list-row'));
    const row = rows.find((r) => { const l = r.querySelector('.label-name'); return l && l.textContent.trim() === name; });
    if (!row) return null;
    return [row, ...row.querySelectorAll('*')].map((e) => getComputedStyle(e, '::after').content).filter((c) => c && c !== 'none' && c !== 'normal' && c !== '""').flatMap((c) => c.replace(/^"|"$/g, '').split(/,\\s*/));
  })(${JSON.stringify(name)})`;
}

/** Loads playwright-core from `<toolsDir>/node_modules`. */
export function loadChromium(toolsDir: string): Chromium {
  const require = createRequire(path.join(toolsDir, 'package.json'));
  return (require('playwright-core') as { chromium: Chromium }).chromium;
}

/** A row of a tree view: its label and its description (the dimmed text after the label). */
export interface TreeRow {
  label: string;
  description: string;
}

/**
 * An expected tree row: the description may be a pattern (a relative time such as "just now" moves on), and so may
 * the label (an error message naming a temporary path).
 */
export interface TreeRowPattern {
  label: string | RegExp;
  description: string | RegExp;
}

type Wanted = string | { source: string; flags: string };

/** Runs in the page: whether `rows` match `expected` (labels and descriptions given as `{ source, flags }` are patterns). */
function rowsMatch(rows: TreeRow[], expected: { label: Wanted; description: Wanted }[]): boolean {
  // No named helper inside: the function runs in the page as its source text, where tsx's `__name` does not exist.
  return (
    rows.length === expected.length &&
    rows.every((row, i) =>
      [
        [row.label, expected[i]!.label],
        [row.description, expected[i]!.description],
      ].every(([text, want]) => (typeof want === 'string' ? text === want : new RegExp((want as { source: string }).source, (want as { flags: string }).flags).test(text as string))),
    )
  );
}

export interface WorkbenchOptions {
  toolsDir: string;
  chromium: string;
  /** Fresh Chromium profile folder. */
  profileDir: string;
  /** Where screenshots go (NN-name.png). */
  screenshotsDir: string;
  log?: (line: string) => void;
}

const oneLine = (text: string) => text.replace(/\s+/g, ' ').trim();

/** One browser window on code-server's workbench. */
export class Workbench {
  /** Browser console errors and page errors, for the failure report. */
  readonly browserErrors: string[] = [];
  private shots = 0;

  private constructor(
    private readonly context: BrowserContext,
    readonly page: Page,
    private readonly options: WorkbenchOptions,
  ) {
    page.on('pageerror', (error) => this.browserErrors.push(`pageerror: ${error.message}`));
    page.on('console', (message) => {
      if (message.type() === 'error') this.browserErrors.push(`console: ${message.text()}`);
    });
  }

  static async launch(options: WorkbenchOptions): Promise<Workbench> {
    const context = await loadChromium(options.toolsDir).launchPersistentContext(options.profileDir, {
      executablePath: options.chromium,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
      viewport: { width: 1400, height: 900 },
      timeout: 60_000,
    });
    const page = context.pages()[0] ?? (await context.newPage());
    return new Workbench(context, page, options);
  }

  private log(line: string): void {
    this.options.log?.(line);
  }

  /** Saves `<screenshotsDir>/NN-name.png`, NN counting up from 01; returns the path. */
  async screenshot(name: string): Promise<string> {
    this.shots += 1;
    const file = path.join(this.options.screenshotsDir, `${String(this.shots).padStart(2, '0')}-${name}.png`);
    await this.page.screenshot({ path: file });
    return file;
  }

  /** Saves a screenshot under an exact file name (e.g. 99-failure.png), never throwing. */
  async screenshotAs(fileName: string): Promise<void> {
    await this.page.screenshot({ path: path.join(this.options.screenshotsDir, fileName) }).catch(() => undefined);
  }

  /** Opens `folder` in the workbench and waits until the Explorer lists its files (workbench and remote file system live). */
  async openFolder(baseUrl: string, folder: string): Promise<void> {
    await this.page.goto(`${baseUrl}/?folder=${encodeURIComponent(folder)}`, { timeout: 60_000 });
    await this.page.locator('.monaco-workbench').waitFor({ timeout: 90_000 });
    await this.page.locator('.explorer-folders-view .monaco-list-row').first().waitFor({ timeout: 90_000 });
  }

  /** Opens the multi-root workspace `file` (.code-workspace) and waits until the Explorer lists its folders. */
  async openWorkspace(baseUrl: string, file: string): Promise<void> {
    await this.page.goto(`${baseUrl}/?workspace=${encodeURIComponent(file)}`, { timeout: 60_000 });
    await this.page.locator('.monaco-workbench').waitFor({ timeout: 90_000 });
    await this.page.locator('.explorer-folders-view .monaco-list-row').first().waitFor({ timeout: 90_000 });
  }

  /**
   * The colors of the tree row labelled exactly `label` in view container `containerId`: its label's text color, its
   * icon's classes, and the theme's `--vscode-<colorVariable>` resolved to `rgb(…)` for comparison.
   */
  async treeRowColors(containerId: string, label: string, colorVariable: string): Promise<{ labelColor: string; iconClasses: string; themeColor: string }> {
    return this.page.evaluate(
      // An expression string: no helper functions in the page (see readTreeRows).
      `(() => {
        const container = document.getElementById(${JSON.stringify(`workbench.view.extension.${containerId}`)});
        const rows = Array.from(container ? container.querySelectorAll('.monaco-list-row') : []);
        const row = rows.find((r) => (r.querySelector('.label-name')?.textContent ?? '').replace(/\\s+/g, ' ').trim() === ${JSON.stringify(label)});
        const probe = document.createElement('span');
        probe.style.color = 'var(--vscode-${colorVariable})';
        (document.querySelector('.monaco-workbench') ?? document.body).appendChild(probe); // the theme's variables are set on the workbench
        const themeColor = getComputedStyle(probe).color;
        probe.remove();
        if (!row) return { labelColor: '', iconClasses: '', themeColor };
        const name = row.querySelector('.label-name');
        const icon = row.querySelector('.custom-view-tree-node-item-icon');
        return { labelColor: getComputedStyle(name).color, iconClasses: icon ? icon.className : '', themeColor };
      })()`,
    );
  }

  /** The status-bar entry whose text contains `text`: its text, and its background against `--vscode-<colorVariable>`. */
  async statusBarEntry(text: string, colorVariable: string, timeout = 60_000): Promise<{ text: string; background: string; themeColor: string }> {
    const entry = this.page.locator('.statusbar-item', { hasText: text }).first();
    await entry.waitFor({ state: 'visible', timeout });
    return this.page.evaluate(
      `(() => {
        const entry = Array.from(document.querySelectorAll('.statusbar-item')).find((e) => (e.textContent ?? '').includes(${JSON.stringify(text)}));
        const probe = document.createElement('span');
        probe.style.backgroundColor = 'var(--vscode-${colorVariable})';
        (document.querySelector('.monaco-workbench') ?? document.body).appendChild(probe); // the theme's variables are set on the workbench
        const themeColor = getComputedStyle(probe).backgroundColor;
        probe.remove();
        return { text: (entry?.textContent ?? '').replace(/\\s+/g, ' ').trim(), background: entry ? getComputedStyle(entry).backgroundColor : '', themeColor };
      })()`,
    );
  }

  /** Quick Open (Ctrl+P): types `fileName`, waits for it in the list, opens it; resolves when its editor tab is active. */
  async quickOpen(fileName: string): Promise<void> {
    await this.page.keyboard.press('Control+P');
    const input = this.page.locator('.quick-input-widget .quick-input-box input');
    await input.waitFor({ state: 'visible', timeout: 15_000 });
    await this.page.keyboard.type(fileName);
    // File search is asynchronous: wait until the focused row is the file, then open it.
    await this.page.locator('.quick-input-list .monaco-list-row.focused', { hasText: fileName }).waitFor({ timeout: 30_000 });
    await this.page.keyboard.press('Enter');
    await this.page.locator('.tabs-container .tab.active', { hasText: fileName }).waitFor({ timeout: 30_000 });
    await this.page.locator('.editor-instance .monaco-editor .view-lines').first().waitFor({ timeout: 30_000 });
  }

  /** Waits for a squiggle of `severity` in the active editor. */
  async waitForSquiggle(severity: 'error' | 'warning' | 'info', timeout = 90_000): Promise<void> {
    await this.page.locator(`.editor-instance .monaco-editor .squiggly-${severity}`).first().waitFor({ state: 'attached', timeout });
  }

  /** Opens the Problems panel (Ctrl+Shift+M) and waits for a row containing `text`; resolves the row's text. */
  async waitForProblem(text: string, timeout = 60_000): Promise<string> {
    await this.page.keyboard.press('Control+Shift+M');
    const row = this.page.locator('.markers-panel .monaco-list-row', { hasText: text }).first();
    await row.waitFor({ timeout });
    return oneLine(await row.innerText());
  }

  /** F1, types `title`, waits until the focused entry is exactly that command, runs it. */
  async runCommand(title: string, beforeRun?: () => Promise<void>): Promise<void> {
    await this.page.keyboard.press('F1');
    await this.page.locator('.quick-input-widget .quick-input-box input').waitFor({ state: 'visible', timeout: 15_000 });
    await this.page.keyboard.type(title);
    const focused = this.page.locator('.quick-input-list .monaco-list-row.focused');
    await this.page.waitForFunction(
      (expected) => {
        const row = document.querySelector('.quick-input-list .monaco-list-row.focused');
        return row?.querySelector('.label-name')?.textContent?.replace(/\s+/g, ' ').trim() === expected;
      },
      title,
      { timeout: 30_000, polling: 100 },
    ).catch(async (error: Error) => {
      const current = (await focused.count()) > 0 ? oneLine(await focused.first().innerText()) : '(no focused entry)';
      throw new Error(`Command palette: "${title}" never became the focused entry (focused: ${current}). ${error.message}`);
    });
    if (beforeRun) await beforeRun();
    await this.page.keyboard.press('Enter');
    // The palette closes, unless the command at once opens a quick pick of its own in the same widget: then the
    // widget may never be seen hidden, but its input no longer holds the palette's `>` query.
    const paletteClosed = `(() => {
      const widget = document.querySelector('.quick-input-widget');
      const input = widget && widget.querySelector('.quick-input-box input');
      return !widget || widget.getClientRects().length === 0 || getComputedStyle(widget).display === 'none' || !input || !input.value.startsWith('>');
    })()`;
    await this.page.waitForFunction(paletteClosed, undefined, { timeout: 15_000, polling: 50 });
  }

  /** In the quick pick titled `title`: types `text` to filter, waits until the focused row contains it, accepts it; resolves the row's text. */
  async pickQuickItem(title: string, text: string, timeout = 60_000): Promise<string> {
    await this.page.locator('.quick-input-widget .quick-input-title', { hasText: title }).waitFor({ state: 'visible', timeout });
    // The items arrive after the engine answers: wait for any row before filtering.
    await this.page.locator('.quick-input-list .monaco-list-row').first().waitFor({ timeout });
    await this.page.keyboard.type(text);
    const focused = this.page.locator('.quick-input-list .monaco-list-row.focused', { hasText: text });
    await focused.waitFor({ timeout: 30_000 }).catch(async (error: Error) => {
      const rows = await this.page.locator('.quick-input-list .monaco-list-row').allInnerTexts().catch(() => []);
      throw new Error(`Quick pick: no focused row containing "${text}" (rows: ${JSON.stringify(rows.map(oneLine))}). ${error.message.split('\n')[0]}`);
    });
    const row = oneLine(await focused.innerText());
    await this.page.keyboard.press('Enter');
    await this.page.locator('.quick-input-widget').waitFor({ state: 'hidden', timeout: 15_000 });
    return row;
  }

  /** In the input box titled `title`: types `text` and accepts it. */
  async answerInputBox(title: string, text: string, timeout = 30_000): Promise<void> {
    await this.page.locator('.quick-input-widget .quick-input-title', { hasText: title }).waitFor({ state: 'visible', timeout });
    await this.page.keyboard.type(text);
    await this.page.keyboard.press('Enter');
    await this.page.locator('.quick-input-widget').waitFor({ state: 'hidden', timeout: 15_000 });
  }

  /**
   * Runs a context-menu entry of a tree row that opens a modal, and returns the modal. The Revisions view refreshes
   * when a migration file appears (a file watcher and the command's own refresh): a refresh that lands while the menu
   * is open closes the menu, and the click then reaches no entry. So the right-click is made again (up to 3 times)
   * until the modal shows.
   */
  async treeContextMenuDialog(containerId: string, label: string, item: string): Promise<{ message: string; detail: string; buttons: string[] }> {
    for (let attempt = 1; ; attempt++) {
      await this.treeContextMenu(containerId, label, item);
      try {
        return await this.waitForDialog(attempt < 3 ? 15_000 : 60_000);
      } catch (error) {
        if (attempt >= 3) throw error;
        await this.page.keyboard.press('Escape');
      }
    }
  }

  /** Right-clicks the tree row labelled exactly `label` in view container `containerId` and runs `item` from its context menu. */
  async treeContextMenu(containerId: string, label: string, item: string): Promise<void> {
    const exact = new RegExp(`^\\s*${label.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s*$`);
    const row = this.page.locator(`[id="workbench.view.extension.${containerId}"] .monaco-list-row`).filter({ has: this.page.locator('.label-name', { hasText: exact }) });
    await row.first().click({ button: 'right', timeout: 30_000 });
    const entry = this.page.locator('.monaco-menu .action-item .action-label', { hasText: item });
    await entry.first().waitFor({ state: 'visible', timeout: 15_000 }).catch(async (error: Error) => {
      const shown = await this.page.locator('.monaco-menu .action-item .action-label').allInnerTexts().catch(() => []);
      throw new Error(`Context menu of ${label}: no "${item}" (entries: ${JSON.stringify(shown.map(oneLine))}). ${error.message.split('\n')[0]}`);
    });
    await entry.first().click({ timeout: 15_000 });
  }

  /** The tree row labelled exactly `label` in view container `containerId`. */
  private treeRow(containerId: string, label: string): Locator {
    const exact = new RegExp(`^\\s*${label.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s*$`);
    return this.page.locator(`[id="workbench.view.extension.${containerId}"] .monaco-list-row`).filter({ has: this.page.locator('.label-name', { hasText: exact }) }).first();
  }

  /** Clicks the tree row labelled exactly `label` (runs its command, e.g. an error root's Retry). */
  async clickTreeRow(containerId: string, label: string): Promise<void> {
    await this.treeRow(containerId, label).click({ timeout: 30_000 });
  }

  /** Hovers the tree row labelled exactly `label` and resolves the titles of its inline action buttons, left to right. */
  async treeRowInlineActions(containerId: string, label: string): Promise<string[]> {
    const row = this.treeRow(containerId, label);
    await row.hover({ timeout: 30_000 });
    const actions = row.locator('.actions .action-label');
    await actions.first().waitFor({ state: 'visible', timeout: 15_000 });
    const titles: string[] = [];
    for (let i = 0; i < (await actions.count()); i++) titles.push((await actions.nth(i).getAttribute('aria-label')) ?? (await actions.nth(i).getAttribute('title')) ?? '');
    return titles;
  }

  /** Clicks the activity-bar entry whose label starts with `title` and waits for its view container. */
  async openViewContainer(title: string, containerId: string): Promise<void> {
    await this.page.locator(`.activitybar .action-item a[aria-label^="${title}"]`).first().click({ timeout: 30_000 });
    await this.page.locator(`[id="workbench.view.extension.${containerId}"]`).waitFor({ state: 'visible', timeout: 30_000 });
  }

  /** Drags the sash right of the primary side bar until the side bar is `width` pixels wide (labels and descriptions readable in screenshots). */
  async resizeSideBar(width: number): Promise<void> {
    const sideBar = this.page.locator('.part.sidebar');
    await sideBar.waitFor({ state: 'visible', timeout: 15_000 });
    const box = await sideBar.boundingBox();
    if (!box || Math.abs(box.width - width) < 2) return;
    const y = box.y + box.height / 2;
    await this.page.mouse.move(box.x + box.width + 1, y);
    await this.page.mouse.down();
    await this.page.mouse.move(box.x + width + 1, y, { steps: 8 });
    await this.page.mouse.up();
    await this.parkMouse();
  }

  /** Moves the mouse to the empty lower part of the activity bar, so no hover or tooltip shows in screenshots. */
  async parkMouse(): Promise<void> {
    const box = await this.page.locator('.part.activitybar').boundingBox();
    if (box) await this.page.mouse.move(box.x + box.width / 2, box.y + box.height * 0.6);
  }

  /** The rows of the tree views in view container `containerId`, as rendered now. */
  async treeRows(containerId: string): Promise<TreeRow[]> {
    return this.page.evaluate(readTreeRows, containerId);
  }

  /**
   * Waits until the container's tree rows are exactly `expected` (label and description, in order).
   * On timeout the error shows what was rendered last.
   */
  async waitForTreeRows(containerId: string, expected: TreeRowPattern[], timeout = 60_000): Promise<TreeRow[]> {
    const wanted = (w: string | RegExp): Wanted => (typeof w === 'string' ? w : { source: w.source, flags: w.flags });
    const want = expected.map(({ label, description }) => ({ label: wanted(label), description: wanted(description) }));
    try {
      await this.page.waitForFunction(
        // An expression, so readTreeRows and rowsMatch can run in the page.
        `(${rowsMatch.toString()})((${readTreeRows.toString()})(${JSON.stringify(containerId)}), ${JSON.stringify(want)})`,
        undefined,
        { timeout, polling: 200 },
      );
    } catch (error) {
      const got = await this.treeRows(containerId).catch(() => []);
      throw new Error(
        `Tree rows never matched.\n  expected: ${JSON.stringify(expected)}\n  rendered: ${JSON.stringify(got)}\n  ${(error as Error).message.split('\n')[0]}`,
      );
    }
    return this.treeRows(containerId);
  }

  /** Waits for a modal dialog; resolves its message, detail and button labels. */
  async waitForDialog(timeout = 60_000): Promise<{ message: string; detail: string; buttons: string[] }> {
    const box = this.page.locator('.monaco-dialog-box');
    await box.waitFor({ state: 'visible', timeout });
    const message = oneLine(await box.locator('.dialog-message-text').innerText());
    const detailLocator = box.locator('.dialog-message-detail');
    const detail = (await detailLocator.count()) > 0 ? (await detailLocator.innerText()).trim() : '';
    const buttons = (await box.locator('.dialog-buttons .monaco-button').allInnerTexts()).map(oneLine);
    return { message, detail, buttons };
  }

  /** The label of the dialog button that has the keyboard focus (the one Enter presses); '' when none has. */
  async focusedDialogButton(): Promise<string> {
    return this.page.evaluate(`(() => {
      const focused = document.activeElement;
      return focused && focused.closest && focused.closest('.monaco-dialog-box .dialog-buttons') ? focused.textContent.replace(/\\s+/g, ' ').trim() : '';
    })()`);
  }

  /** Clicks the dialog button labelled exactly `label` and waits for the dialog to close. */
  async clickDialogButton(label: string): Promise<void> {
    const box = this.page.locator('.monaco-dialog-box');
    await box.locator('.dialog-buttons .monaco-button', { hasText: new RegExp(`^\\s*${label.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s*$`) }).click({ timeout: 15_000 });
    await box.waitFor({ state: 'hidden', timeout: 15_000 });
    await this.parkMouse();
  }

  /** Waits for a notification toast containing `text` (a string or pattern); resolves its text. */
  async waitForToast(text: string | RegExp, timeout = 120_000): Promise<string> {
    const toast = this.page.locator('.notifications-toasts .notification-toast', { hasText: text }).first();
    try {
      await toast.waitFor({ state: 'visible', timeout });
    } catch (error) {
      const shown = await this.page.locator('.notifications-toasts .notification-toast').allInnerTexts().catch(() => []);
      throw new Error(`No toast matching ${String(text)} (toasts shown: ${JSON.stringify(shown.map(oneLine))}). ${(error as Error).message.split('\n')[0]}`);
    }
    return oneLine(await toast.innerText());
  }

  /** Waits until some visible editor's rendered text matches `pattern`; resolves that editor's text. */
  async waitForEditorText(pattern: RegExp, timeout = 60_000): Promise<string> {
    const read = `Array.from(document.querySelectorAll('.monaco-editor .view-lines')).map((e) => e.innerText.replace(/\\u00a0/g, ' '))`;
    try {
      await this.page.waitForFunction(`${read}.some((t) => new RegExp(${JSON.stringify(pattern.source)}, ${JSON.stringify(pattern.flags)}).test(t))`, undefined, { timeout, polling: 200 });
    } catch (error) {
      throw new Error(`No editor text matching ${String(pattern)}. ${(error as Error).message.split('\n')[0]}`);
    }
    const texts = (await this.page.evaluate(read)) as string[];
    return texts.find((t) => pattern.test(t)) ?? '';
  }

  /** Waits until a CodeLens line of some visible editor contains every one of `texts`; resolves that line's text. */
  async waitForCodeLens(texts: Array<string | RegExp>, timeout = 60_000): Promise<string> {
    const read = `Array.from(document.querySelectorAll('.monaco-editor .codelens-decoration')).map((e) => e.textContent.replace(/\\s+/g, ' ').trim())`;
    const wanted = texts.map((t) => (typeof t === 'string' ? { source: t.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'), flags: '' } : { source: t.source, flags: t.flags }));
    try {
      await this.page.waitForFunction(
        `${read}.some((line) => ${JSON.stringify(wanted)}.every((w) => new RegExp(w.source, w.flags).test(line)))`,
        undefined,
        { timeout, polling: 200 },
      );
    } catch (error) {
      const lines = (await this.page.evaluate(read).catch(() => [])) as string[];
      throw new Error(`No CodeLens line with ${texts.map(String).join(' + ')} (lines: ${JSON.stringify(lines)}). ${(error as Error).message.split('\n')[0]}`);
    }
    const lines = (await this.page.evaluate(read)) as string[];
    return lines.find((line) => wanted.every((w) => new RegExp(w.source, w.flags).test(line))) ?? '';
  }

  /**
   * Waits until the Explorer row labelled `name` shows the decoration badge `badge` (VS Code draws badges as CSS
   * `::after` content of the row's label elements, the badges of several providers joined by ", ": the Problems
   * count and ours read `1, P!`); resolves the row's badges.
   */
  async waitForExplorerBadge(name: string, badge: string, timeout = 60_000): Promise<string[]> {
    const read = explorerBadgesExpression(name);
    try {
      await this.page.waitForFunction(`(${read} || []).includes(${JSON.stringify(badge)})`, undefined, { timeout, polling: 250 });
    } catch (error) {
      const got = await this.page.evaluate(read).catch(() => null);
      throw new Error(`Explorer row ${name}: no badge ${JSON.stringify(badge)} (badges: ${JSON.stringify(got)}). ${(error as Error).message.split('\n')[0]}`);
    }
    return (await this.page.evaluate(read)) as string[];
  }

  /** The badges of the Explorer row labelled `name` now (see {@link waitForExplorerBadge}); null when no such row is rendered. */
  async explorerBadges(name: string): Promise<string[] | null> {
    return this.page.evaluate(explorerBadgesExpression(name));
  }

  /** Clicks the button `label` of the notification toast containing `text`. */
  async clickToastButton(text: string | RegExp, label: string): Promise<void> {
    const toast = this.page.locator('.notifications-toasts .notification-toast', { hasText: text }).first();
    await toast.locator('.monaco-button', { hasText: new RegExp(`^\\s*${label.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s*$`) }).click({ timeout: 15_000 });
    await this.parkMouse();
  }

  /** Writes the browser errors collected so far to `file` (when there are any). */
  saveBrowserErrors(file: string): void {
    if (this.browserErrors.length > 0) fs.writeFileSync(file, `${this.browserErrors.join('\n')}\n`);
  }

  async close(): Promise<void> {
    await this.context.close().catch((error: Error) => this.log(`browser close failed: ${error.message}`));
  }
}
