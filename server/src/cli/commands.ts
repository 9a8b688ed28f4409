/** The CLI's command names (the launcher keys its code cache by them; a test checks them against main.ts). */
export const CLI_COMMANDS: readonly string[] = ['check', 'status', 'history', 'validate', 'upgrade', 'downgrade', 'mark-applied', 'unmark', 'unlock', 'new', 'backup', 'backups', 'prune', 'restore', 'schema', 'projects'];
