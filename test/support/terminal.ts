// Running fctl under a pseudo-terminal (util-linux `script`), answering its prompt.
import { spawn } from 'node:child_process';
import { stripVTControlCharacters } from 'node:util';
import { expect } from 'vitest';
import type { Fctl } from './fctl.js';

export function onTerminal(fctl: Fctl, args: string[], answer: string, prompt = 'Install it now? [Y/n]'): Promise<{ code: number | null; output: string }> {
  const command = [process.execPath, fctl.bin, ...args].map((a) => `'${a}'`).join(' ');
  const env = { ...fctl.env };
  delete env.CI;
  const child = spawn('script', ['-qefc', command, '/dev/null'], { env, stdio: ['pipe', 'pipe', 'pipe'] });
  let output = '';
  let answered = false;
  child.stdout.setEncoding('utf8').on('data', (text: string) => {
    output += text;
    if (!answered && output.includes(prompt)) {
      answered = true;
      child.stdin.write(`${answer}\n`);
    }
  });
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, output: stripVTControlCharacters(output).replace(/\r+\n/g, '\n') })));
}

/** What a first use shows when discovery installs the plugin and runs `ledger transactions list`. */
export function expectDiscoveredAndRan(result: { code: number | null; output: string }, version = '3.2.0'): void {
  expect(result.output).toContain(`Compatible plugin: fctl-plugin-ledger v${version}`);
  expect(result.output).toContain("Verifying checksum... ok (checksums.txt signed by the publisher's key)\nPlugin installed.");
  expect(result.output).toMatch(/ID\s+TIMESTAMP\s+REFERENCE\s+POSTINGS/);
  expect(result.code).toBe(0);
}
