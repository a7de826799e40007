#!/usr/bin/env node
import './node-navigator.js';

// Loaded after the line above has run (a static import would be evaluated first).
const { runCli } = await import('./program.js');
const code = await runCli({ argv: process.argv.slice(2) });
// Let stdout drain before exiting (piped JSON must arrive whole).
process.exitCode = code;
