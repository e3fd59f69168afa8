// Runs a command against a fresh llm-serve: starts the server on a free
// port, runs COMMAND... --url http://HOST:PORT, stops the server, and exits
// with the command's status.
//   node with-server.cjs MODEL [llm-serve flags...] -- COMMAND...
'use strict';
const { spawnSync } = require('node:child_process');
const { startServer } = require('./server.cjs');

const args = process.argv.slice(2);
const split = args.indexOf('--');
const [command, ...commandArgs] = args.slice(split + 1);

startServer(args.slice(0, split)).then(async (server) => {
  const run = spawnSync(command, [...commandArgs, '--url', server.url], { stdio: 'inherit' });
  server.proc.kill('SIGTERM');
  await server.exited;
  process.exit(run.status ?? 1);
}).catch((err) => { console.error(err); process.exit(1); });
