#!/usr/bin/env node
import './node-navigator.js';

// Loaded after the line above has run (a static import would be evaluated first).
const { runCli } = await import('./program.js');
const argv = process.argv.slice(2);
const code = await runCli({ argv });
// As restore_command, exit 1 means "not in the archive" and 2 would too: a bad
// flag or config must stop recovery (exit > 125), never end it early.
const restoreCommand = argv.includes('wal-fetch');
// Let stdout drain before exiting (piped JSON must arrive whole).
process.exitCode = restoreCommand && code > 1 ? 126 : code;
