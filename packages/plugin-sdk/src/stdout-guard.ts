// Keeps a plugin's stdout for protocol messages. Installed when this module loads inside a process
// that fctl started as a plugin (the handshake variable is set), so that anything printed while
// the plugin's modules load, and later by handlers or dependencies, goes to stderr instead.
// Import the SDK before other modules to cover their load-time output too.
import { HANDSHAKE_ENV, HANDSHAKE_VALUE } from '@fctl-kit/protocol';

type Write = (text: string) => void;

let protocolWrite: Write | undefined;

function install(): Write {
  const stdout = process.stdout;
  const original = stdout.write.bind(stdout) as (text: string) => boolean;
  stdout.write = ((chunk: unknown, ...rest: unknown[]) =>
    (process.stderr.write as (...args: unknown[]) => boolean)(chunk, ...rest)) as typeof stdout.write;
  return (text) => {
    original(text);
  };
}

if (process.env[HANDSHAKE_ENV] === HANDSHAKE_VALUE) protocolWrite = install();

/** The only writer of protocol messages: stdout as it was before the guard. */
export function takeStdout(): Write {
  protocolWrite ??= install();
  return protocolWrite;
}
