/**
 * The frame every end-to-end scenario shares: its steps run as subtests that stop at the first failure (with a
 * screenshot), and an after hook closes the browser, ends code-server's process group and, unless the scenario
 * passed, keeps the failure artifacts in `resultsDir` (screenshot, code-server and install logs, the extension's
 * output channel, the extension host log, browser errors) and the run folder. A passed run's folder is removed
 * unless MG_E2E_KEEP=1.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { TestContext } from 'node:test';
import type { CodeServer } from './codeServer';
import type { Workbench } from './workbench';

export interface ScenarioOptions {
  server: CodeServer;
  /** The run folder (user data, workspace copy, logs). */
  runDir: string;
  /** Where screenshots and failure artifacts go. */
  resultsDir: string;
  /** The repository root (artifact paths are logged relative to it). */
  root: string;
  log: (line: string) => void;
  /** The workbench once a step has opened it (undefined before). */
  workbench: () => Workbench | undefined;
}

export interface Scenario {
  /** One step as a subtest; after a failure the remaining steps are skipped. */
  step(name: string, body: () => Promise<void>): Promise<void>;
  /** Call after the last step: the scenario passed when no step failed (a timed-out test never gets here). */
  finish(): void;
}

/** Registers the after hook on `t` and returns the scenario's step runner. */
export function scenario(t: TestContext, options: ScenarioOptions): Scenario {
  const { server, runDir, resultsDir, root, log } = options;
  let failed = false; // a step failed: skip the rest
  let passed = false; // every step ran and passed (false too when the test timed out)

  t.after(async () => {
    const wb = options.workbench();
    if (!passed && !fs.existsSync(path.join(resultsDir, '99-failure.png'))) await wb?.screenshotAs('99-failure.png');
    await wb?.close();
    await server.stop();
    log('browser closed, code-server process group ended');
    // Logs are complete only once code-server is down.
    if (!passed) {
      for (const [from, to] of [[server.logFile, 'code-server.log'], [server.installLogFile, 'install-extension.log']] as const) {
        if (fs.existsSync(from)) fs.copyFileSync(from, path.join(resultsDir, to));
      }
      const outputs = server.findLogs('Migration Guard');
      fs.writeFileSync(
        path.join(resultsDir, 'extension-output.log'),
        outputs.length ? outputs.map((f) => `==> ${path.relative(runDir, f)}\n${fs.readFileSync(f, 'utf8')}`).join('\n') : '(no Migration Guard output channel log found)\n',
      );
      for (const f of server.findLogs('exthost.log')) fs.copyFileSync(f, path.join(resultsDir, path.basename(f)));
      wb?.saveBrowserErrors(path.join(resultsDir, 'browser-errors.log'));
      log(`failure artifacts in ${path.relative(root, resultsDir)}; run folder kept: ${runDir}`);
    } else if (process.env.MG_E2E_KEEP === '1') {
      log(`run folder kept: ${runDir}`);
    } else {
      fs.rmSync(runDir, { recursive: true, force: true });
    }
  });

  return {
    async step(name, body) {
      if (failed) return t.test(name, { skip: 'an earlier step failed' }, () => {});
      return t.test(name, async () => {
        try {
          await body();
          log(`✓ ${name}`);
        } catch (error) {
          failed = true;
          await options.workbench()?.screenshotAs('99-failure.png');
          throw error;
        }
      });
    },
    finish() {
      passed = !failed;
    },
  };
}
