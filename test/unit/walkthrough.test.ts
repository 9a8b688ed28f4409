/**
 * The walkthrough (package.json `contributes.walkthroughs`): every step's markdown ships (it is under media/, which the
 * .vsix keeps), and every `command:` link names a command the extension contributes or one VS Code has.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';

const root = path.resolve(__dirname, '..', '..');

interface Manifest {
  contributes: {
    commands: Array<{ command: string }>;
    walkthroughs: Array<{ id: string; steps: Array<{ id: string; description: string; media: { markdown?: string }; completionEvents?: string[] }> }>;
  };
}

/** Built-in commands the steps use (VS Code's own ids). */
const BUILT_IN = new Set(['workbench.action.quickOpen', 'workbench.actions.view.problems']);

test('walkthrough: the demo tour in five steps, each with its markdown and working command links', () => {
  const manifest = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as Manifest;
  const ours = new Set(manifest.contributes.commands.map((c) => c.command));
  const [walkthrough] = manifest.contributes.walkthroughs;
  assert.ok(walkthrough);
  assert.deepEqual(walkthrough.steps.map((s) => s.id), ['openDemo', 'seeWarning', 'preview', 'upgrade', 'restore']);
  for (const step of walkthrough.steps) {
    const markdown = step.media.markdown;
    assert.ok(markdown && fs.existsSync(path.join(root, markdown)), `${step.id}: ${markdown} exists`);
    const links = [...step.description.matchAll(/\(command:([\w.]+)/g)].map((m) => m[1] as string);
    assert.ok(links.length > 0, `${step.id} has a command link`);
    for (const command of [...links, ...(step.completionEvents ?? []).map((e) => e.replace(/^onCommand:/, ''))]) {
      assert.ok(ours.has(command) || BUILT_IN.has(command), `${step.id}: ${command} is contributed or built in`);
    }
  }
  // The demo the first step opens ships in the .vsix (.vscodeignore keeps it).
  const ignore = fs.readFileSync(path.join(root, '.vscodeignore'), 'utf8');
  assert.match(ignore, /^!examples\/demo\/knexfile\.js$/m);
  assert.match(ignore, /^!examples\/demo\/migrations\/\*\*$/m);
});
