// Node single-executable applications: one preparation blob for all targets (without code cache
// or snapshot the blob is platform-independent; it must come from the same Node version as the
// runtimes), injected into each runtime with postject.
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
export const SEA_FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';
export const SEA_RESOURCE = 'NODE_SEA_BLOB';
export const MACHO_SEGMENT = 'NODE_SEA';

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

/**
 * Injects the blob into `file` in place. postject's WebAssembly runs in a child process so that
 * several targets are injected at once.
 */
export async function injectSeaBlob(file: string, blob: string, format: 'elf' | 'macho' | 'pe'): Promise<void> {
  const api = createRequire(import.meta.url).resolve('postject/dist/api.js');
  await run(process.execPath, ['-e', INJECT, api, file, blob, format === 'macho' ? MACHO_SEGMENT : ''], {
    env: { PATH: process.env.PATH ?? '' },
    maxBuffer: 16 * 1024 * 1024,
  }).catch((error: { stderr?: string; message: string }) => {
    throw new Error(`injecting the SEA blob into ${file} failed: ${error.stderr || error.message}`);
  });
}
