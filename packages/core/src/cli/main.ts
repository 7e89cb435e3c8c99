// The `fctl` executable.
import packageJson from '../../package.json' with { type: 'json' };
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

const code = await run(process.argv.slice(2), {
  io: { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env },
  version: packageJson.version,
  interrupted: interrupt.signal,
});
process.exitCode = code;
