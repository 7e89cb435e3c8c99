// The `fctl` executable.
import packageJson from '../../package.json' with { type: 'json' };
import { complete } from './completion.js';
import { run } from './run.js';

const interrupt = new AbortController();
let interrupts = 0;
process.on('SIGINT', () => {
  interrupts += 1;
  if (interrupts === 1) interrupt.abort();
  else process.exit(130);
});

// Ended from outside (a closed terminal, a supervisor): exit through the 'exit' hooks, which end the
// plugins' process groups, instead of dying with them still running.
process.on('SIGTERM', () => process.exit(143));
process.on('SIGHUP', () => process.exit(129));

const io = { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env };
const argv = process.argv.slice(2);
// A shell asking for completion candidates (completion.ts): answered before fctl's command tree, the
// registry or the stack are looked at, since it runs at every Tab. No top-level await: the same
// entry is bundled as CommonJS for self-contained binaries (packages/binaries, buildCore).
const done =
  argv[0] === '__complete'
    ? complete(argv.slice(1), io, packageJson.version, interrupt.signal)
    : run(argv, { io, version: packageJson.version, interrupted: interrupt.signal });
void done.then((code) => {
  process.exitCode = code;
});
