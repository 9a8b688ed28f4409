/**
 * Diagnostics for the migration files nobody has open (issue 16): every migrations folder of every project
 * (migrations/projects/discover.ts `discoverProjects`, what `migration-guard projects` lists) is linted in the
 * background through the one lint driver (migrations/lint-files.ts `lintFiles`), a whole folder per run so that each
 * file sees its earlier migrations and the folder rules see the revision graph. A folder is linted again only when a
 * file of it changes on disk, is created or deleted, or is closed in the editor; its other files come from the
 * server's text cache (by mtime) and their parsed operations from the driver's sibling cache.
 *
 * Open documents keep precedence: they take part with their editor text but are never published here (the server's
 * own analysis of the document publishes them). Yields to that analysis before every file, and stops at
 * {@link MAX_WORKSPACE_FILES} files (whole folders).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Diagnostic } from 'vscode-languageserver';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { ConfigError, LINT_EXTENSIONS, type EffectiveOptions, type Settings, type TableSizeIndex } from '../config';
import { lintFiles, type FileInput } from '../migrations/lint-files';
import { discoverProjects } from '../migrations/projects/discover';
import { invalidConfigDiagnostic, toDiagnostic } from './convert';

/** Files linted at most (whole folders; a folder that would pass the cap is left out, and said so in the log). */
export const MAX_WORKSPACE_FILES = 5000;

/** What the linter needs from the language server. */
export interface WorkspaceLintHost {
  /** Absolute paths of the workspace folders. */
  folders(): string[];
  /** The settings of a workspace folder (its `lintWorkspace`, include/exclude, dialect). */
  settingsFor(folder: string): Promise<Settings>;
  /** A file's options (config/index.ts `effectiveOptions`, `stopDir` its workspace folder). @throws ConfigError */
  optionsFor(file: string, stopDir: string, settings: Settings): EffectiveOptions;
  /** Table sizes for the files of a workspace folder (the `statsFile` setting), as open documents get them. */
  tableSizesFor?(folder: string, settings: Settings): TableSizeIndex | undefined;
  /** Whether the file is open in the editor (then the server's own analysis publishes it). */
  isOpen(file: string): boolean;
  /** The file's text: the open document's, else the file's on disk; undefined when it cannot be read. */
  textOf(file: string): string | undefined;
  /** Publishes the diagnostics of a closed file. */
  publish(file: string, diagnostics: Diagnostic[]): void;
  /** Resolves when no analysis of an open document is scheduled or running. */
  idle(): Promise<void>;
  /** The migrations folders now linted, to watch for changes on disk. */
  watch(dirs: readonly string[]): void;
  log(message: string): void;
}

/** Thrown by the yield between files when the folder being linted changed meanwhile: it is linted again. */
class Superseded extends Error {}

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/** The workspace's migration folders, their files, and the background runs that lint them. */
export class WorkspaceLinter {
  /** Migrations folder → its lintable files (absolute paths). */
  private dirs = new Map<string, Set<string>>();
  /** Migrations folder → the workspace folder it was found in (the options' stop folder). */
  private roots = new Map<string, string>();
  /** Closed files whose diagnostics this linter published (cleared when they go). */
  private published = new Set<string>();
  private dirty = new Set<string>();
  private running = false;
  private discovering: Promise<void> | undefined;
  private rediscover = false;
  private discovered = false;

  constructor(private readonly host: WorkspaceLintHost) {}

  /**
   * (Re)discovers the projects of every workspace folder whose `lintWorkspace` setting is on, after any pending
   * analysis of open documents, and lints all their folders in the background. Files no longer found lose their
   * diagnostics. Calls made while a discovery runs make one more.
   */
  discover(): Promise<void> {
    if (this.discovering) {
      this.rediscover = true;
      return this.discovering;
    }
    this.discovering = (async () => {
      do {
        this.rediscover = false;
        await this.host.idle();
        await nextTurn();
        await this.discoverNow();
      } while (this.rediscover);
    })().finally(() => (this.discovering = undefined));
    return this.discovering;
  }

  private async discoverNow(): Promise<void> {
    const dirs = new Map<string, Set<string>>();
    const roots = new Map<string, string>();
    let total = 0;
    const skipped: string[] = [];
    for (const folder of this.host.folders()) {
      if (!(await this.host.settingsFor(folder)).lintWorkspace) continue;
      for (const project of discoverProjects(folder).projects) {
        for (const dir of project.migrationsDirectories ?? [project.migrationsDirectory]) {
          if (dirs.has(dir)) continue;
          const files = lintableFiles(dir);
          if (files.length === 0) continue;
          if (total + files.length > MAX_WORKSPACE_FILES) {
            skipped.push(dir);
            continue;
          }
          total += files.length;
          dirs.set(dir, new Set(files));
          roots.set(dir, folder);
        }
      }
      await nextTurn();
    }
    if (skipped.length > 0) {
      this.host.log(`Migration Guard lints at most ${MAX_WORKSPACE_FILES} migration files of the workspace: not linted unless opened: ${skipped.join(', ')}`);
    }
    const known = new Set([...dirs.values()].flatMap((s) => [...s]));
    for (const file of this.published) if (!known.has(file)) this.clear(file);
    this.dirs = dirs;
    this.roots = roots;
    this.discovered = true;
    this.host.watch([...dirs.keys()]);
    for (const dir of dirs.keys()) this.dirty.add(dir);
    this.kick();
  }

  /** Files covered now, and whether projects were discovered once and nothing is left to lint (for the server's statistics). */
  stats(): { files: number; settled: boolean } {
    let files = 0;
    for (const set of this.dirs.values()) files += set.size;
    return { files, settled: this.discovered && !this.discovering && !this.running && this.dirty.size === 0 };
  }

  /** Whether `file` is a migration file this linter covers. */
  covers(file: string): boolean {
    return this.dirs.get(path.dirname(file))?.has(file) ?? false;
  }

  /**
   * Files created, changed or deleted on disk (workspace/didChangeWatchedFiles): a deleted file loses its
   * diagnostics, and each folder concerned is linted again. Returns the folders concerned.
   */
  filesChanged(changes: ReadonlyArray<{ file: string; deleted: boolean }>): string[] {
    const touched = new Set<string>();
    for (const { file, deleted } of changes) {
      const dir = path.dirname(file);
      const files = this.dirs.get(dir);
      if (!files || !LINT_EXTENSIONS.includes(path.extname(file))) continue;
      if (deleted) {
        files.delete(file);
        this.clear(file);
      } else {
        files.add(file);
      }
      touched.add(dir);
    }
    for (const dir of touched) this.dirty.add(dir);
    this.kick();
    return [...touched];
  }

  /** An open document was closed: when it is a covered file, its folder is linted again (its text on disk now counts). Returns whether it is covered. */
  documentClosed(file: string): boolean {
    if (!this.covers(file)) return false;
    this.dirty.add(path.dirname(file));
    this.kick();
    return true;
  }

  private clear(file: string): void {
    if (!this.published.delete(file)) return;
    if (!this.host.isOpen(file)) this.host.publish(file, []);
  }

  private kick(): void {
    if (this.running || this.dirty.size === 0) return;
    this.running = true;
    void this.run().finally(() => {
      this.running = false;
      this.kick();
    });
  }

  private async run(): Promise<void> {
    while (this.dirty.size > 0) {
      const dir = this.dirty.values().next().value as string;
      this.dirty.delete(dir);
      await this.host.idle();
      await nextTurn();
      try {
        await this.lintFolder(dir);
      } catch (error) {
        if (error instanceof Superseded) continue;
        this.host.log(`Migration Guard: linting ${dir} failed: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  }

  /** Lints one folder whole and publishes its closed files. @throws Superseded when the folder changed meanwhile. */
  private async lintFolder(dir: string): Promise<void> {
    const files = this.dirs.get(dir);
    const root = this.roots.get(dir);
    if (!files || root === undefined) return;
    const settings = await this.host.settingsFor(root);
    const inputs: FileInput[] = [];
    for (const file of [...files].sort()) {
      const text = this.host.textOf(file);
      if (text === undefined) {
        files.delete(file);
        this.clear(file);
        continue;
      }
      inputs.push({ path: file, text, lint: !this.host.isOpen(file) });
    }
    let results: Map<string, () => Diagnostic[]>;
    try {
      const tableSizes = this.host.tableSizesFor?.(root, settings);
      const linted = await lintFiles(inputs, {
        optionsFor: (file) => this.host.optionsFor(file, root, settings),
        tolerateParserLoadFailure: true,
        ...(tableSizes ? { tableSizes } : {}),
        between: async () => {
          await this.host.idle();
          await nextTurn();
          if (this.dirty.has(dir)) throw new Superseded();
        },
      });
      results = new Map(
        linted.map((r) => {
          const document = TextDocument.create('file:///', '', 0, r.text);
          return [r.input.path, () => r.findings.map((f) => toDiagnostic(document, f))];
        }),
      );
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      const shown = [invalidConfigDiagnostic(error)];
      results = new Map(inputs.map((i) => [i.path, () => shown]));
    }
    for (const input of inputs) {
      const file = input.path;
      // Opened meanwhile, or deleted: not ours to publish.
      if (input.lint === false || this.host.isOpen(file) || !files.has(file)) continue;
      const diagnostics = results.get(file)?.() ?? [];
      if (diagnostics.length === 0 && !this.published.has(file)) continue;
      if (diagnostics.length > 0) this.published.add(file);
      else this.published.delete(file);
      this.host.publish(file, diagnostics);
    }
  }
}

/** The files of `dir` the lint driver may take (by extension; include/exclude are applied by the driver), sorted. */
function lintableFiles(dir: string): string[] {
  try {
    return fs
      .readdirSync(dir, { withFileTypes: true })
      .filter((e) => e.isFile() && LINT_EXTENSIONS.includes(path.extname(e.name)))
      .map((e) => path.join(dir, e.name))
      .sort();
  } catch {
    return [];
  }
}
