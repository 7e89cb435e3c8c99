// Every way of saving a source rebuilds the development bundle, every time: in place, a rename over
// the file (editors' safe-write, `mv`, `sed -i`), delete and create, a `git checkout` of 50 files,
// a new file or directory the plugin imports, in the plugin or in a library outside it.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { watchPlugin, type DevBuild, type DevWatcher } from '../src/index.js';
import { bundleShows, createWorkspace, SAVE_STYLES, type Expectation, type Workspace } from './support/save-styles.js';

const repoRoot = join(import.meta.dirname, '..', '..', '..');
// Generous: esbuild and file watching on a loaded 2-core machine. A save not seen within this
// long is not seen at all.
const SAVE_SEEN_MS = 30_000;
const SAVES = 5;

let root: string;
let workspace: Workspace;
let watcher: DevWatcher;
const builds: DevBuild[] = [];
let wake: (() => void) | undefined;

/** Waits for builds until one shows `expected`; throws if none does in time. */
async function seen(expected: Expectation, what: string): Promise<DevBuild[]> {
  const from = builds.length;
  const deadline = Date.now() + SAVE_SEEN_MS;
  for (let checked = from; ; ) {
    while (checked < builds.length) {
      if (builds[checked++]!.ok && bundleShows(readFileSync(watcher.outFile, 'utf8'), expected)) return builds.slice(from, checked);
    }
    const left = deadline - Date.now();
    if (left <= 0) throw new Error(`${what} was not seen: ${builds.length - from} builds since, none shows ${JSON.stringify(expected)}`);
    await new Promise<void>((done) => {
      const timer = setTimeout(done, left);
      wake = () => {
        clearTimeout(timer);
        done();
      };
    });
  }
}

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'dev-watch-saves-'));
  workspace = createWorkspace(root, join(repoRoot, 'examples', 'ledger', 'cmd', 'fctl-plugin'), join(repoRoot, 'node_modules'));
  watcher = await watchPlugin({ sourceDir: workspace.pluginDir, outFile: join(root, 'out', 'plugin.cjs') }, (build) => {
    builds.push(build);
    wake?.();
  });
  expect(builds.map((b) => b.ok)).toEqual([true]);
}, 120_000);

afterAll(async () => {
  await watcher?.close();
  if (root) rmSync(root, { recursive: true, force: true });
});

describe.sequential('watchPlugin sees every save', () => {
  for (const style of SAVE_STYLES) {
    it(`${style.name}: ${SAVES} saves in a row, each rebuilt with its content`, async () => {
      if (style.prepare) await seen(style.prepare(workspace), `${style.name}: preparing`);
      for (let i = 1; i <= SAVES; i++) await seen(style.save(workspace, i, 'unit'), `${style.name}: save ${i} of ${SAVES}`);
    }, SAVES * SAVE_SEEN_MS + 30_000);
  }

  it('a checkout of 50 files takes one build (or a bounded few) to show all of them', async () => {
    const style = SAVE_STYLES.find((s) => s.name.startsWith('git checkout'))!;
    // Each branch again (from the last one checked out): count the builds until all 50 show.
    const counts: number[] = [];
    for (let i = 1; i <= SAVES; i++) counts.push((await seen(style.save(workspace, i, 'unit'), `checkout ${i}`)).length);
    for (const count of counts) expect(count).toBeLessThanOrEqual(3);
  }, SAVES * SAVE_SEEN_MS);

  it('reports the sources saved, not the temporary files a safe-write passed through', async () => {
    const style = SAVE_STYLES.find((s) => s.name.startsWith('a temporary file renamed'))!;
    const rebuilt = await seen(style.save(workspace, 99, 'unit'), 'a safe-write');
    expect(rebuilt.at(-1)!.changed).toEqual(['src/plugin.ts']);
  }, SAVE_SEEN_MS);
});
