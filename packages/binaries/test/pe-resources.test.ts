// Our PE resource writer on the official node.exe builds, checked by an independent reader:
// wrestool (icoutils) must list the new resource and extract exactly our bytes, and every resource
// the runtime had must come out unchanged. (The e2e suite runs the result under Wine.)
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addResource, findResource, flipSeaFuse, parsePe, readResources, removeAuthenticode, SEA_FUSE } from '../src/index.js';
import { HEAVY_TEST_MS, lockedRuntimePath } from './runtimes.js';

const work = mkdtempSync(join(tmpdir(), 'pe-resources-'));
const runtimes: Record<string, Buffer> = {};
beforeAll(async () => {
  for (const target of ['windows-amd64', 'windows-arm64']) runtimes[target] = removeAuthenticode(readFileSync(await lockedRuntimePath(target)));
}, 300_000);
afterAll(() => rmSync(work, { recursive: true, force: true }));

const wrestool = (args: string[], file: string) => execFileSync('wrestool', [...args, file], { maxBuffer: 64 * 1024 * 1024 });
const listing = (file: string) => wrestool(['-l'], file).toString().split('\n').filter(Boolean).map((line) => line.replace(/ \[.*$/, ''));

describe.each(['windows-amd64', 'windows-arm64'])('adding the SEA blob resource to the official %s node.exe', (target) => {
  it('gives a file wrestool reads: the new RCDATA resource with our bytes, every old resource unchanged', () => {
    const original = join(work, `${target}-original.exe`);
    const injected = join(work, `${target}-injected.exe`);
    const blob = randomBytes(300_001);
    writeFileSync(original, runtimes[target]!);
    const output = addResource(runtimes[target]!, 10, 'NODE_SEA_BLOB', blob);
    writeFileSync(injected, output);

    const before = listing(original);
    const after = listing(injected);
    expect(after).toEqual([...before, "--type=10 --name='NODE_SEA_BLOB' --language=0"].sort((a, b) => Number(/type=(\d+)/.exec(a)![1]) - Number(/type=(\d+)/.exec(b)![1])));
    expect(wrestool(['-x', '--raw', '--type=10', '--name=NODE_SEA_BLOB'], injected).equals(blob)).toBe(true);
    for (const line of before) {
      const args = ['-x', '--raw', ...line.split(' ').map((a) => a.replace(/'/g, ''))];
      expect(wrestool(args, injected).equals(wrestool(args, original)), line).toBe(true);
    }
    expect(findResource(output, 10, 'node_sea_blob')?.equals(blob)).toBe(true);
  }, HEAVY_TEST_MS);

  it('only appends: the original bytes are intact apart from the headers it updates', () => {
    const output = addResource(runtimes[target]!, 10, 'NODE_SEA_BLOB', Buffer.from('blob'));
    const image = parsePe(output);
    const headerEnd = image.sizeOfHeaders;
    expect(output.subarray(headerEnd, runtimes[target]!.length).equals(runtimes[target]!.subarray(headerEnd))).toBe(true);
    expect(image.sections.map((s) => s.name).at(-1)).toBe('.rsrc2');
    expect(readResources(output, image).entries.map((e) => e.key)).toEqual(readResources(runtimes[target]!, parsePe(runtimes[target]!)).entries.map((e) => e.key).concat(10).sort((a, b) => Number(a) - Number(b)));
  }, HEAVY_TEST_MS);

  it('refuses to add the same resource twice', () => {
    const once = addResource(runtimes[target]!, 10, 'NODE_SEA_BLOB', Buffer.from('a'));
    expect(() => addResource(once, 10, 'NODE_SEA_BLOB', Buffer.from('b'))).toThrow('the file already has a NODE_SEA_BLOB resource');
  }, HEAVY_TEST_MS);
});

describe('the SEA fuse', () => {
  it('is flipped once, and a runtime that has been injected or has no fuse is refused', () => {
    const binary = Buffer.from(runtimes['windows-amd64']!);
    flipSeaFuse(binary);
    expect(binary.includes(Buffer.from(`${SEA_FUSE}:1`))).toBe(true);
    expect(() => flipSeaFuse(binary)).toThrow('the runtime already holds a SEA blob');
    expect(() => flipSeaFuse(Buffer.from('MZ nothing here'))).toThrow('the runtime has no SEA fuse');
  }, HEAVY_TEST_MS);
});
