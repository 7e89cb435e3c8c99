// Our ELF note writer on the official Linux Node builds: readelf (binutils) must see the new
// segment and note; the x64 result must run its blob natively and the arm64 one under qemu-user.
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addElfNote, flipSeaFuse, generateSeaBlob } from '../src/index.js';
import { HEAVY_TEST_MS, lockedRuntimePath } from './runtimes.js';

const work = mkdtempSync(join(tmpdir(), 'elf-inject-'));
const runtimes: Record<string, Buffer> = {};
let blob: Buffer;
beforeAll(async () => {
  for (const target of ['linux-amd64', 'linux-arm64']) runtimes[target] = readFileSync(await lockedRuntimePath(target));
  writeFileSync(join(work, 'main.cjs'), 'console.log(`sea ok ${process.argv.slice(2).join(" ")}`);\n');
  blob = readFileSync(await generateSeaBlob(await lockedRuntimePath('linux-amd64'), join(work, 'main.cjs'), work));
}, 300_000);
afterAll(() => rmSync(work, { recursive: true, force: true }));

const readelf = (args: string[], file: string) => execFileSync('readelf', ['-W', ...args, file], { encoding: 'utf8' });

function inject(target: string): string {
  const output = addElfNote(runtimes[target]!, 'NODE_SEA_BLOB', blob);
  flipSeaFuse(output);
  const path = join(work, `node-${target}`);
  writeFileSync(path, output);
  chmodSync(path, 0o755);
  return path;
}

describe.each(['linux-amd64', 'linux-arm64'])('adding the SEA note to the official %s node', (target) => {
  it('gives a file readelf reads: the original notes and ours in a new read-only PT_LOAD', () => {
    const path = inject(target);
    // readelf reads notes from sections when there are any; without them it reads PT_NOTE segments,
    // which is what the running program sees.
    const withoutSections = Buffer.from(readFileSync(path));
    withoutSections.writeBigUInt64LE(0n, 0x28);
    withoutSections.writeUInt16LE(0, 0x3c);
    writeFileSync(`${path}-segments`, withoutSections);
    const notes = readelf(['-n'], `${path}-segments`);
    expect(notes).toMatch(/NODE_SEA_BLOB\s+0x[0-9a-f]+\s+Unknown note type/);
    expect(notes).toContain('GNU_BUILD_ID');
    expect(notes).toContain('NT_GNU_ABI_TAG');
    const segments = readelf(['-l'], path);
    expect(segments).not.toMatch(/^\s+PHDR\s/m);
    const loads = [...segments.matchAll(/^\s+LOAD\s+(0x[0-9a-f]+)\s+(0x[0-9a-f]+)\s+\S+\s+(0x[0-9a-f]+)\s+(0x[0-9a-f]+)\s+(\S+)/gm)];
    const note = /^\s+NOTE\s+(0x[0-9a-f]+)\s+(0x[0-9a-f]+)\s+\S+\s+(0x[0-9a-f]+)/m.exec(segments)!;
    const last = loads.at(-1)!;
    expect([last[1], last[2], last[5]]).toEqual([note[1], note[2], 'R']);
    const vaddrs = loads.map((l) => BigInt(l[2]!));
    expect(vaddrs).toEqual([...vaddrs].sort((a, b) => (a < b ? -1 : 1)));
    expect(readelf(['-h'], path)).toMatch(/Type:\s+EXEC/);
  }, HEAVY_TEST_MS);

  it('runs the blob', () => {
    const path = inject(target);
    const command = target === 'linux-amd64' ? [path] : ['qemu-aarch64-static', '-L', '/usr/aarch64-linux-gnu', path];
    const result = spawnSync(command[0]!, [...command.slice(1), 'a', 'b'], { encoding: 'utf8', timeout: 60_000 });
    expect(result.stderr).toBe('');
    expect(result.stdout).toBe('sea ok a b\n');
  }, HEAVY_TEST_MS);
});

it('refuses what it does not handle, so the build falls back to postject', () => {
  const pie = Buffer.from(runtimes['linux-amd64']!.subarray(0, 4096));
  pie.writeUInt16LE(3, 0x10);
  expect(() => addElfNote(pie, 'NODE_SEA_BLOB', Buffer.from('x'))).toThrow('only non-PIE executables (ET_EXEC) are supported');
  expect(() => addElfNote(Buffer.from('MZ'.padEnd(128)), 'NODE_SEA_BLOB', Buffer.from('x'))).toThrow('not an ELF file');
}, HEAVY_TEST_MS);
