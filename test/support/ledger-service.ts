// Starts the example ledger service (examples/ledger) as a real process on 127.0.0.1.
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { ledgerServer, requireBuilt } from './paths.js';

export interface RunningLedger {
  url: string;
  version: string;
  stop(): Promise<void>;
}

export async function startLedger(version: string, options: { token?: string; dataFile?: string } = {}): Promise<RunningLedger> {
  requireBuilt(ledgerServer);
  const dataFile = options.dataFile ?? join(mkdtempSync(join(tmpdir(), 'ledger-data-')), 'ledger.json');
  const args = [ledgerServer, '--version', version, '--port', '0', '--data', dataFile, ...(options.token ? ['--token', options.token] : [])];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the ledger service did not start within 10 s')), 10_000);
    child.on('exit', (code) => reject(new Error(`the ledger service exited with ${code}`)));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const match = /listening on (http:\/\/\S+)/.exec(line);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    });
  });
  return {
    url,
    version,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.on('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
