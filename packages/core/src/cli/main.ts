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

const code = await run(process.argv.slice(2), {
  io: { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env },
  version: packageJson.version,
  interrupted: interrupt.signal,
});
process.exitCode = code;
