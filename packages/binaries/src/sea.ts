// Node single-executable applications: one preparation blob for all targets (without code cache
// or snapshot the blob is platform-independent; it must come from the same Node version as the
// runtimes), injected into each runtime with postject.
import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import { peChecksum } from './pe/authenticode.js';
import { addResource, parsePe } from './pe/resources.js';
import { addElfNote, ElfInjectError } from './elf/inject.js';

const run = promisify(execFile);
export const SEA_FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';
export const SEA_RESOURCE = 'NODE_SEA_BLOB';
export const MACHO_SEGMENT = 'NODE_SEA';
const RT_RCDATA = 10;

/** Runs `node --experimental-sea-config` with the build's own Node (the machine's may be older). */
export async function generateSeaBlob(node: string, bundle: string, workDir: string): Promise<string> {
  const blob = join(workDir, 'sea-prep.blob');
  const config = join(workDir, 'sea-config.json');
  await writeFile(
    config,
    // `main` is recorded in the blob (as the script's file name): relative, so no build path leaks in.
    JSON.stringify({ main: relative(workDir, bundle), output: blob, disableExperimentalSEAWarning: true, useCodeCache: false, useSnapshot: false }),
  );
  await run(node, ['--experimental-sea-config', config], { cwd: workDir, env: { PATH: process.env.PATH ?? '' } }).catch((error: { stderr?: string; message: string }) => {
    throw new Error(`generating the SEA blob failed: ${error.stderr || error.message}`);
  });
  return blob;
}

const INJECT = `
const [api, file, blob, segment] = process.argv.slice(1);
require(api)
  .inject(file, ${JSON.stringify(SEA_RESOURCE)}, require('fs').readFileSync(blob), { sentinelFuse: ${JSON.stringify(SEA_FUSE)}, machoSegmentName: segment || undefined })
  .catch((error) => { process.stderr.write(String(error && error.message || error)); process.exit(1); });
`;

/** Flips Node's SEA fuse (":0" -> ":1"), which must occur exactly once in the runtime. */
export function flipSeaFuse(binary: Buffer): void {
  const sentinel = Buffer.from(`${SEA_FUSE}:0`);
  const at = binary.indexOf(sentinel);
  if (at < 0) throw new Error(binary.includes(Buffer.from(`${SEA_FUSE}:1`)) ? 'the runtime already holds a SEA blob' : 'the runtime has no SEA fuse: is it a Node binary?');
  if (binary.indexOf(sentinel, at + 1) >= 0) throw new Error('the SEA fuse occurs more than once in the runtime');
  binary[at + sentinel.length - 1] = '1'.charCodeAt(0);
}

/** PE: the blob becomes resource RCDATA/NODE_SEA_BLOB, added by our own writer (postject's takes seconds). */
async function injectPe(file: string, blob: string): Promise<void> {
  const binary = await readFile(file);
  flipSeaFuse(binary);
  const injected = addResource(binary, RT_RCDATA, SEA_RESOURCE, await readFile(blob));
  injected.writeUInt32LE(peChecksum(injected), parsePe(injected).optionalHeader + 64);
  await writeFile(file, injected);
}

/** ELF: the blob becomes note NODE_SEA_BLOB, added by our own writer; false when it cannot (then postject). */
async function injectElf(file: string, blob: string): Promise<boolean> {
  const binary = await readFile(file);
  let injected: Buffer;
  try {
    injected = addElfNote(binary, SEA_RESOURCE, await readFile(blob));
  } catch (error) {
    if (error instanceof ElfInjectError) return false;
    throw error;
  }
  flipSeaFuse(injected);
  await writeFile(file, injected);
  return true;
}

/**
 * Injects the blob into `file` in place: PE and (non-PIE) ELF with our own writers, in
 * milliseconds; Mach-O (and other ELF) through postject, whose WebAssembly runs in a child process
 * so that several targets are injected at once.
 */
export async function injectSeaBlob(file: string, blob: string, format: 'elf' | 'macho' | 'pe'): Promise<void> {
  if (format === 'pe') return injectPe(file, blob);
  if (format === 'elf' && (await injectElf(file, blob))) return;
  const api = createRequire(import.meta.url).resolve('postject/dist/api.js');
  await run(process.execPath, ['-e', INJECT, api, file, blob, format === 'macho' ? MACHO_SEGMENT : ''], {
    env: { PATH: process.env.PATH ?? '' },
    maxBuffer: 16 * 1024 * 1024,
  }).catch((error: { stderr?: string; message: string }) => {
    throw new Error(`injecting the SEA blob into ${file} failed: ${error.stderr || error.message}`);
  });
}
