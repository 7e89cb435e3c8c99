import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { bundlePlugin } from '../src/index.js';

const examplePlugin = join(import.meta.dirname, '..', '..', '..', 'examples', 'ledger', 'cmd', 'fctl-plugin');
const temp = () => mkdtempSync(join(tmpdir(), 'bundle-'));
// esbuild and a node process per test: seconds on a loaded 2-core machine.
const SLOW = 60_000;

describe('bundlePlugin', () => {
  it('makes one CommonJS file that runs on plain node and reports the injected version', async () => {
    const { outFile } = await bundlePlugin({ sourceDir: examplePlugin, outFile: join(temp(), 'p.cjs'), version: '3.2.0' });
    const run = spawnSync(process.execPath, [outFile], { encoding: 'utf8', env: { PATH: process.env.PATH } });
    expect(run.status).toBe(64);
    expect(run.stderr).toContain('fctl-plugin-ledger 3.2.0');
  }, SLOW);

  it('an ESM dependency using import.meta.url (createRequire, as the installed SDK does) works in the CommonJS bundle', async () => {
    const dir = temp();
    mkdirSync(join(dir, 'src'));
    mkdirSync(join(dir, 'node_modules', 'esm-dep'), { recursive: true });
    writeFileSync(join(dir, 'node_modules', 'esm-dep', 'package.json'), JSON.stringify({ name: 'esm-dep', type: 'module', main: 'index.js' }));
    writeFileSync(
      join(dir, 'node_modules', 'esm-dep', 'index.js'),
      "import { createRequire } from 'node:module';\nconst require = createRequire(import.meta.url);\nexport const sep = require('node:path').sep;\nexport const here = import.meta.url;\n",
    );
    writeFileSync(join(dir, 'src', 'main.ts'), "import { here, sep } from 'esm-dep';\nconsole.log(JSON.stringify({ here, sep }));\n");
    const { outFile } = await bundlePlugin({ sourceDir: dir, outFile: join(temp(), 'p.cjs'), version: 'dev' });
    const run = spawnSync(process.execPath, [outFile], { encoding: 'utf8', env: { PATH: process.env.PATH } });
    expect(run.stderr).toBe('');
    expect(JSON.parse(run.stdout)).toEqual({ here: pathToFileURL(outFile).href, sep: '/' });
  }, SLOW);

  it('gives the same bytes for the same source, wherever the output goes', async () => {
    const a = await bundlePlugin({ sourceDir: examplePlugin, outFile: join(temp(), 'p.cjs'), version: '3.2.0', minify: true });
    const b = await bundlePlugin({ sourceDir: examplePlugin, outFile: join(temp(), 'p.cjs'), version: '3.2.0', minify: true });
    expect(readFileSync(a.outFile)).toEqual(readFileSync(b.outFile));
    expect(readFileSync(a.sourceMap, 'utf8')).toBe(readFileSync(b.sourceMap, 'utf8'));
  }, SLOW);

  it('names what it looked for when there is no entry point, and recognises Go modules', async () => {
    const empty = temp();
    await expect(bundlePlugin({ sourceDir: empty, outFile: join(empty, 'x.cjs'), version: 'dev' })).rejects.toThrow(/looked for src\/main\.ts, main\.ts/);
    const go = temp();
    writeFileSync(join(go, 'go.mod'), 'module example.com/plugin\n');
    await expect(bundlePlugin({ sourceDir: go, outFile: join(go, 'x.cjs'), version: 'dev' })).rejects.toThrow(/is a Go module/);
  }, SLOW);

  it('reports compile errors with the file', async () => {
    const broken = temp();
    mkdirSync(join(broken, 'src'));
    writeFileSync(join(broken, 'src', 'main.ts'), 'const = ;\n');
    await expect(bundlePlugin({ sourceDir: broken, outFile: join(broken, 'x.cjs'), version: 'dev' })).rejects.toThrow(/building the plugin in .* failed:[\s\S]*main\.ts/);
  }, SLOW);
});
