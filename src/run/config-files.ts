/**
 * The config file's names, in the order they are looked for. Its own module:
 * the wal-push/wal-fetch short way in (cli/archive-entry.ts) only asks whether
 * one exists, and must not load the settings code to know their names.
 */
export const CONFIG_FILE_NAMES = ['dbrollback.config.json', 'dbrollback.config.mjs', 'dbrollback.config.js'] as const;
