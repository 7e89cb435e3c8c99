// Runs one loader over many files in a row, in this (child) process, and prints one JSON line per
// file: what it returned, or the error it threw. Started by loader-in-child.ts; a V8 abort or a
// crash here is seen there as a failed process, not as a dead test runner.
//   node --import tsx --conditions=@fctl-kit/source loader-child.mts <module> <export> <list.json>
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

const [modulePath, exported, listFile] = process.argv.slice(2) as [string, string, string];
const load = (await import(pathToFileURL(modulePath).href))[exported] as (arg: string) => unknown;
for (const arg of JSON.parse(readFileSync(listFile, 'utf8')) as string[]) {
  try {
    const value = JSON.stringify(await load(arg)) ?? 'undefined';
    process.stdout.write(`${JSON.stringify({ arg, ok: true, value: value.length > 100_000 ? `${value.slice(0, 100_000)}…` : value })}\n`);
  } catch (error) {
    const { constructor, message } = error as Error;
    process.stdout.write(`${JSON.stringify({ arg, ok: false, error: constructor?.name ?? typeof error, message: String(message).slice(0, 4000) })}\n`);
  }
}
