// How a plugin reaches fctl: protocol messages on stdout, logs on stderr, requests on stdin.
// Installed when this module loads inside a process that fctl started (the handshake variable is
// set): from then on process.stdout IS process.stderr for everyone else, so console.log, a
// dependency's banner or a stray write can never corrupt the protocol. Import the SDK first.
import { createReadStream, writeSync } from 'node:fs';
import { Writable, type Readable } from 'node:stream';
import { HANDSHAKE_ENV, HANDSHAKE_VALUE } from '@fctl-kit/protocol';

export interface Transport {
  writeMessage(line: string): void;
  writeLog(text: string): void;
  input(): Readable;
}

function fdWriter(fd: number): (text: string) => void {
  return (text) => {
    const bytes = Buffer.from(text);
    for (let offset = 0; offset < bytes.length; ) offset += writeSync(fd, bytes, offset);
  };
}

function redirectStdout(to: NodeJS.WritableStream): void {
  Object.defineProperty(process, 'stdout', { configurable: true, enumerable: true, get: () => to });
}

/**
 * Windows: plain file-descriptor I/O. Node's pipe streams cannot open the pipes Wine gives a
 * process (EBADF), and on real Windows fd I/O on pipes is equally correct.
 */
function fdTransport(): Transport {
  const writeLog = fdWriter(2);
  const logStream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      writeLog(chunk.toString());
      done();
    },
  });
  redirectStdout(logStream);
  Object.defineProperty(process, 'stderr', { configurable: true, enumerable: true, get: () => logStream });
  return { writeMessage: fdWriter(1), writeLog, input: () => createReadStream('', { fd: 0, autoClose: false }) };
}

function streamTransport(): Transport {
  const stdout = process.stdout;
  const writeProtocol = stdout.write.bind(stdout) as (text: string) => boolean;
  redirectStdout(process.stderr);
  return {
    writeMessage: (line) => void writeProtocol(line),
    writeLog: (text) => void process.stderr.write(text),
    input: () => process.stdin,
  };
}

let installed: Transport | undefined;
const install = () => (process.platform === 'win32' ? fdTransport() : streamTransport());

if (process.env[HANDSHAKE_ENV] === HANDSHAKE_VALUE) installed = install();

export function pluginTransport(): Transport {
  installed ??= install();
  return installed;
}
