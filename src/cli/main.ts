#!/usr/bin/env node
import { runCli } from './program.js';

const code = await runCli({ argv: process.argv.slice(2) });
// Let stdout drain before exiting (piped JSON must arrive whole).
process.exitCode = code;
