/**
 * Activation of the extension (target: ≤ 150 ms, issue 16), without VS Code: dist/client.js is `require()`d in a fresh
 * Node process with a stub `vscode` module (injected through a `Module._load` hook) and its `activate(context)` is
 * awaited, as VS Code's extension host does. Workload: the demo workspace (examples/demo, one Knex project on SQLite)
 * as the only, trusted workspace folder.
 *
 * Counted, per run (each in a new process, so nothing is cached but the OS file cache):
 * - `load`: `require('dist/client.js')` (VS Code's "code loading");
 * - `call`: `activate()` until it returns its promise (its synchronous part: output channel, the Revisions view,
 *   the status store, commands, watchers, CodeLens, decorations, the database file guard, the language client set up);
 * - `resolved`: until that promise settles (`activate` starts the language client without waiting for it);
 * - separately, `server`: from the `activate()` call until the language client registers its providers, i.e. the
 *   server process (dist/server.js, forked for real) has answered `initialize` — not part of activation.
 * Not counted: VS Code's own work (the extension host, rendering the view, the real API behind the stub, which here
 * answers at once), and the engine: it is a separate process started on demand (`status`, `projects`), never during
 * activation. The figure closest to VS Code's "activation time" (code loading + activate call + resolved) is the sum.
 *
 * Peer, measured in the same run: `node -e 0` (a bare Node process, spawn to exit).
 *
 *   node esbuild.mjs && node --import tsx bench/activation.ts [runs=9]   (the child runs on plain Node)
 */
import { spawnSync } from 'node:child_process';
import * as esbuild from 'esbuild';
import * as fs from 'node:fs';
import Module from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';

// The child runs from a compiled copy in the temporary folder: the parent tells it where the repository is.
const root = process.env.MG_BENCH_ROOT ?? path.resolve(__dirname, '..');
const bundle = path.join(root, 'dist', 'client.js');
const workspace = path.join(root, 'examples', 'demo');

/**
 * A stand-in for any part of the `vscode` API the extension (and the bundled language client) touches: every property
 * is another stand-in (or what was assigned to it), every call and `new` returns one, `dispose()` works; not a thenable (`await` on it returns it).
 */
function stub(name: string): unknown {
  const cache = new Map<PropertyKey, unknown>();
  const target = function () {} as unknown as object;
  return new Proxy(target, {
    get(_t, prop) {
      if (prop === 'then') return undefined;
      if (prop === Symbol.toPrimitive) return () => `[vscode stub ${name}]`;
      if (prop === Symbol.iterator) return function* () {};
      if (!cache.has(prop)) cache.set(prop, stub(`${name}.${String(prop)}`));
      return cache.get(prop);
    },
    set(_t, prop, value) {
      cache.set(prop, value);
      return true;
    },
    apply: () => stub(`${name}()`),
    construct: () => stub(`new ${name}`) as object,
  });
}

class Uri {
  private constructor(
    readonly scheme: string,
    readonly fsPath: string,
  ) {}
  get path(): string {
    return this.fsPath;
  }
  static file(p: string): Uri {
    return new Uri('file', p);
  }
  static parse(s: string): Uri {
    return s.startsWith('file://') ? new Uri('file', decodeURIComponent(new URL(s).pathname)) : new Uri(s.split(':')[0] ?? '', s);
  }
  static joinPath(base: Uri, ...parts: string[]): Uri {
    return new Uri(base.scheme, path.join(base.fsPath, ...parts));
  }
  static from(c: { scheme: string; path: string }): Uri {
    return new Uri(c.scheme, c.path);
  }
  with(): Uri {
    return this;
  }
  toString(): string {
    return this.scheme === 'file' ? pathToFileURL(this.fsPath).toString() : this.fsPath;
  }
  toJSON(): unknown {
    return { scheme: this.scheme, path: this.fsPath };
  }
}

class EventEmitter {
  event = () => ({ dispose() {} });
  fire(): void {}
  dispose(): void {}
}

class Disposable {
  constructor(private readonly fn: () => void = () => {}) {}
  static from(...items: { dispose(): unknown }[]): Disposable {
    return new Disposable(() => items.forEach((i) => i.dispose()));
  }
  dispose(): void {
    this.fn();
  }
}

/** Resolves when the language client registers its hover provider: the server has answered `initialize`. */
let serverReady: () => void = () => {};
const serverReadyPromise = new Promise<void>((resolve) => (serverReady = resolve));

/** The `vscode` module as the extension sees it here: real values where code branches on them, stand-ins elsewhere. */
function vscodeModule(): unknown {
  const folder = { uri: Uri.file(workspace), name: 'demo', index: 0 };
  const configuration = { get: (_key: string, fallback?: unknown) => fallback, has: () => false, inspect: () => undefined, update: async () => undefined };
  const overrides: Record<string, unknown> = {
    version: '1.100.0',
    Uri,
    EventEmitter,
    Disposable,
    workspace: Object.assign(stub('workspace') as object, {
      workspaceFolders: [folder],
      isTrusted: true,
      textDocuments: [],
      notebookDocuments: [],
      workspaceFile: undefined,
      getConfiguration: () => configuration,
      getWorkspaceFolder: () => folder,
    }),
    window: Object.assign(stub('window') as object, { activeTextEditor: undefined, visibleTextEditors: [], visibleNotebookEditors: [], tabGroups: { all: [] } }),
    languages: Object.assign(stub('languages') as object, {
      registerHoverProvider: () => {
        serverReady();
        return new Disposable();
      },
    }),
    extensions: Object.assign(stub('extensions') as object, { all: [], getExtension: () => undefined }),
  };
  // Own keys, so that esbuild's `import * as vscode` wrapper (__toESM) copies them; any other name is a stand-in too.
  const names = ['CodeAction', 'CodeLens', 'ConfigurationTarget', 'Diagnostic', 'DiagnosticSeverity', 'FileDecoration', 'InputBoxValidationSeverity', 'MarkdownString', 'NotebookCellKind', 'ProgressLocation', 'Range', 'RelativePattern', 'StatusBarAlignment', 'ThemeColor', 'ThemeIcon', 'TreeItem', 'TreeItemCollapsibleState', 'UIKind', 'commands', 'env'];
  const base: Record<string, unknown> = { ...Object.fromEntries(names.map((n) => [n, stub(n)])), ...overrides };
  return new Proxy(base, { get: (t, prop) => (prop in t ? t[prop as string] : prop === 'then' ? undefined : stub(String(prop))) });
}

/** One activation in this process; prints its timings as JSON. */
async function child(): Promise<void> {
  const vscode = vscodeModule();
  const moduleWithLoad = Module as unknown as { _load(request: string, parent: unknown, isMain: boolean): unknown };
  const load = moduleWithLoad._load;
  moduleWithLoad._load = function (request, parent, isMain) {
    return request === 'vscode' ? vscode : load.call(this, request, parent, isMain);
  };
  const storage = fs.mkdtempSync(path.join(os.tmpdir(), 'mg-bench-activation-'));
  const state = { get: (_k: string, d?: unknown) => d, update: async () => undefined, keys: () => [], setKeysForSync() {} };
  const context = {
    subscriptions: [] as { dispose(): unknown }[],
    extensionPath: root,
    extensionUri: Uri.file(root),
    asAbsolutePath: (p: string) => path.join(root, p),
    globalState: state,
    workspaceState: state,
    storageUri: Uri.file(storage),
    storagePath: storage,
    globalStorageUri: Uri.file(storage),
    globalStoragePath: storage,
    logUri: Uri.file(storage),
    logPath: storage,
    extensionMode: 1,
    secrets: stub('secrets'),
    environmentVariableCollection: stub('environmentVariableCollection'),
    extension: stub('extension'),
  };
  const requireBundle = Module.createRequire(bundle);
  const t0 = performance.now();
  const extension = requireBundle(bundle) as { activate(c: unknown): Promise<void>; deactivate(): Promise<void> };
  const t1 = performance.now();
  const pending = extension.activate(context);
  const t2 = performance.now();
  await pending;
  const t3 = performance.now();
  const timeout = new Promise<void>((resolve) => setTimeout(resolve, 60_000).unref());
  await Promise.race([serverReadyPromise, timeout]);
  const t4 = performance.now();
  console.log(JSON.stringify({ load: t1 - t0, call: t2 - t1, resolved: t3 - t2, server: t4 - t1 }));
  await extension.deactivate();
  for (const d of context.subscriptions) {
    try {
      d.dispose();
    } catch {
      // a stand-in's dispose: nothing to release
    }
  }
  fs.rmSync(storage, { recursive: true, force: true });
  process.exit(0);
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

function main(): void {
  if (!fs.existsSync(bundle)) throw new Error(`${bundle} missing: run node esbuild.mjs`);
  const runs = Number(process.argv[2] ?? 9);
  // The child runs on plain Node (no TypeScript loader hooking `require`, which would slow the bundle's loading down):
  // this file compiled to CommonJS by esbuild.
  const childScript = path.join(os.tmpdir(), `mg-bench-activation-${process.pid}.cjs`);
  const compiled = esbuild.transformSync(fs.readFileSync(__filename, 'utf8'), { loader: 'ts', format: 'cjs', platform: 'node', target: 'node20' }).code;
  fs.writeFileSync(childScript, compiled);
  const rows: { load: number; call: number; resolved: number; server: number }[] = [];
  const peer: number[] = [];
  for (let r = 0; r <= runs; r++) {
    const out = spawnSync(process.execPath, [childScript, '--child'], { encoding: 'utf8', cwd: workspace, env: { ...process.env, MG_BENCH_ROOT: root, NODE_PATH: path.join(root, 'node_modules') } });
    const line = out.stdout.split('\n').find((l) => l.startsWith('{'));
    if (!line) throw new Error(`activation run failed:\n${out.stdout}\n${out.stderr}`);
    const t0 = performance.now();
    spawnSync(process.execPath, ['-e', '0']);
    const nodeMs = performance.now() - t0;
    if (r === 0) continue; // warm-up: the OS file cache
    const row = JSON.parse(line) as { load: number; call: number; resolved: number; server: number };
    rows.push(row);
    peer.push(nodeMs);
    console.log(
      `run ${r}: load ${row.load.toFixed(1)} ms, activate() call ${row.call.toFixed(1)} ms, resolved after ${row.resolved.toFixed(1)} ms (activation ${(row.load + row.call + row.resolved).toFixed(1)} ms); language server ready ${row.server.toFixed(1)} ms after activate(); node -e 0: ${nodeMs.toFixed(1)} ms`,
    );
  }
  const load = median(rows.map((r) => r.load));
  const call = median(rows.map((r) => r.call));
  const total = median(rows.map((r) => r.load + r.call + r.resolved));
  const server = median(rows.map((r) => r.server));
  const nodeMs = median(peer);
  const ratios = rows.map((r, i) => (r.load + r.call + r.resolved) / peer[i]!);
  console.log(`\nWorkload: dist/client.js activated on examples/demo (one Knex project), stub vscode module, ${rows.length} runs (medians).`);
  console.log(`Activation (load + activate() until it resolves): ${total.toFixed(1)} ms (load ${load.toFixed(1)}, call ${call.toFixed(1)}). Language server ready (not part of activation): ${server.toFixed(1)} ms after activate().`);
  console.log(`Peer node -e 0: ${nodeMs.toFixed(1)} ms; ratio ${(total / nodeMs).toFixed(2)}x (median of per-run ratios ${median(ratios).toFixed(2)}x). Target ≤ 150 ms: ${total <= 150 ? 'met' : 'NOT met'}.`);
  fs.rmSync(childScript, { force: true });
  console.log(`Machine: ${os.cpus()[0]?.model ?? 'unknown CPU'}, ${os.cpus().length} cores, load average ${os.loadavg()[0]!.toFixed(1)}, Node ${process.version}.`);
}

if (process.argv.includes('--child')) {
  child().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
} else {
  main();
}
