#!/usr/bin/env node
import './node-navigator.js';

// Output a user sees is the tool's own: the AWS SDK's notice about future Node.js
// majors is not something an on-call engineer can act on mid-incident.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

// Loaded after the lines above have run (a static import would be evaluated first).
const { runCli } = await import('./program.js');
const code = await runCli({ argv: process.argv.slice(2) });
// Let stdout drain before exiting (piped JSON must arrive whole).
process.exitCode = code;
