/**
 * Which "reveal" actions a notification about a file may offer (no `vscode` import, so it is unit-tested).
 * `revealFileInOS` exists only in a desktop window on the local machine: in code-server, a browser, or a remote
 * window (SSH, WSL, containers) it is not registered ("command 'revealFileInOS' not found"), so it is offered there
 * never; the Explorer reveal works wherever the file is inside the workspace, and Copy Path always does.
 */

/** An action and the built-in command behind it (`copyPath` is ours: the clipboard API). */
export type RevealAction = { label: 'Reveal in Explorer'; command: 'revealInExplorer' } | { label: 'Reveal in File Manager'; command: 'revealFileInOS' } | { label: 'Copy Path'; command: 'copyPath' };

/** Where the window runs and whether the file is inside one of its workspace folders. */
export interface RevealContext {
  /** `vscode.env.uiKind === UIKind.Desktop`. */
  desktop: boolean;
  /** `vscode.env.remoteName` (undefined in a local window). */
  remoteName: string | undefined;
  /** The file lies in a workspace folder (the Explorer can show it). */
  inWorkspace: boolean;
}

/** The actions to offer, most useful first. */
export function revealActions(context: RevealContext): RevealAction[] {
  const actions: RevealAction[] = [];
  if (context.inWorkspace) actions.push({ label: 'Reveal in Explorer', command: 'revealInExplorer' });
  if (context.desktop && context.remoteName === undefined) actions.push({ label: 'Reveal in File Manager', command: 'revealFileInOS' });
  actions.push({ label: 'Copy Path', command: 'copyPath' });
  return actions;
}
