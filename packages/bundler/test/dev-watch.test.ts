import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { watchPlugin, type DevBuild } from '../src/index.js';

// esbuild and file watchers: seconds on a loaded 2-core machine.
const SLOW = 60_000;

/** The builds the watcher reports, awaited one at a time. */
function builds(): { onBuild: (build: DevBuild) => void; next: () => Promise<DevBuild> } {
  const queue: DevBuild[] = [];
  const waiting: ((build: DevBuild) => void)[] = [];
  return {
    onBuild: (build) => {
      const waiter = waiting.shift();
      if (waiter) waiter(build);
      else queue.push(build);
    },
    next: () => {
      const queued = queue.shift();
      return queued ? Promise.resolve(queued) : new Promise((resolve) => waiting.push(resolve));
    },
  };
}

describe('watchPlugin', () => {
  it('keeps the previous build and leaves no temporary file when the new one cannot be written, and recovers on the next save', async () => {
    const sourceDir = mkdtempSync(join(tmpdir(), 'dev-watch-'));
    mkdirSync(join(sourceDir, 'src'));
    writeFileSync(join(sourceDir, 'src', 'main.ts'), 'console.log("first");\n');
    const outDir = mkdtempSync(join(tmpdir(), 'dev-watch-out-'));
    const outFile = join(outDir, 'plugin.cjs');
    const { onBuild, next } = builds();
    const watcher = await watchPlugin({ sourceDir, outFile }, onBuild);
    try {
      expect((await next()).ok).toBe(true);
      expect(readFileSync(outFile, 'utf8')).toContain('first');

      // A directory where the bundle goes: the write fails (as on a full disk or a read-only directory).
      rmSync(outFile);
      mkdirSync(join(outFile, 'blocker'), { recursive: true });
      writeFileSync(join(sourceDir, 'src', 'main.ts'), 'console.log("second");\n');
      const failed = await next();
      expect(failed.ok).toBe(false);
      expect(failed.errors.join('\n')).toContain(`cannot write ${outFile}`);
      expect(readdirSync(outDir).filter((name) => name.endsWith('.tmp'))).toEqual([]);

      rmSync(outFile, { recursive: true });
      writeFileSync(join(sourceDir, 'src', 'main.ts'), 'console.log("third");\n');
      expect((await next()).ok).toBe(true);
      expect(readFileSync(outFile, 'utf8')).toContain('third');
      expect(readdirSync(outDir).filter((name) => name.endsWith('.tmp'))).toEqual([]);
    } finally {
      await watcher.close();
    }
  }, SLOW);
  it('sees a save made as soon as the previous one is built (within chokidar\'s 50 ms change throttle)', async () => {
    const sourceDir = mkdtempSync(join(tmpdir(), 'dev-watch-'));
    mkdirSync(join(sourceDir, 'src'));
    writeFileSync(join(sourceDir, 'src', 'main.ts'), 'console.log("first");\n');
    const outDir = mkdtempSync(join(tmpdir(), 'dev-watch-out-'));
    const outFile = join(outDir, 'plugin.cjs');
    const { onBuild, next } = builds();
    const watcher = await watchPlugin({ sourceDir, outFile }, onBuild);
    try {
      expect((await next()).ok).toBe(true);
      // Each save lands as soon as the previous one is built: with the 40 ms debounce and a fast build,
      // often inside the 50 ms in which chokidar reports no second change of the file.
      for (let round = 0; round < 12; round++) {
        writeFileSync(join(sourceDir, 'src', 'main.ts'), `console.log("save-${round}");\n`);
        // Builds come until one holds this save; a lost save leaves the test waiting (and failing).
        while (!readFileSync(outFile, 'utf8').includes(`save-${round}`)) expect((await next()).ok).toBe(true);
      }
    } finally {
      await watcher.close();
    }
  }, SLOW);
});
