// The Go dev loop's rebuild step with a stand-in for `go build` (the real one runs in
// test/e2e/go-dev-loop.test.ts): what counts as a save, the binary replaced by a rename and never
// written in place, a failed build keeping the previous binary and leaving nothing behind, go's
// output as the errors. When to build (debounce, one at a time, once more after a save during a
// build) is the shared scheduler's, tested in rebuild-scheduler.test.ts.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join, relative, sep } from 'node:path';
import { describe, expect, it } from 'vitest';
import { goBuildErrors, isGoBuildInput, watchGoPlugin, type DevBuild } from '../src/index.js';

const SLOW = 60_000;

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

function goModule(): { moduleDir: string; mainGo: string; outFile: string } {
  const moduleDir = mkdtempSync(join(tmpdir(), 'go-dev-watch-'));
  writeFileSync(join(moduleDir, 'go.mod'), 'module example.com/m\n\ngo 1.26\n');
  mkdirSync(join(moduleDir, 'cmd', 'fctl-plugin'), { recursive: true });
  const mainGo = join(moduleDir, 'cmd', 'fctl-plugin', 'main.go');
  writeFileSync(mainGo, 'package main\n// 1\n');
  return { moduleDir, mainGo, outFile: join(moduleDir, 'cmd', 'fctl-plugin', 'dist', 'dev', 'fctl-plugin-x') };
}

/** A stand-in for go build: writes the main package's source into the output, or fails as go does. */
function fakeGo(mainGo: string): { build: (output: string) => Promise<void>; outputs: string[] } {
  const outputs: string[] = [];
  return {
    outputs,
    async build(output) {
      outputs.push(output);
      const source = readFileSync(mainGo, 'utf8');
      if (source.includes('broken')) throw Object.assign(new Error('go build failed'), { output: '# example.com/m/cmd/fctl-plugin\n./main.go:3:1: syntax error: unexpected EOF\n' });
      await writeFile(output, source);
    },
  };
}

describe('isGoBuildInput', () => {
  it('counts non-test Go files, and the module files at the root', () => {
    expect(['main.go', 'cmd/fctl-plugin/main.go', 'go.mod', 'go.sum', 'internal/client/client.go'].filter(isGoBuildInput)).toEqual(['main.go', 'cmd/fctl-plugin/main.go', 'go.mod', 'go.sum', 'internal/client/client.go']);
    expect(['main_test.go', 'testdata/x.go', 'a/testdata/b.go', 'vendor/m/x.go', 'cmd/go.mod', 'README.md', '.main.go.swp', 'main.go~', '.#main.go', '_ignored.go'].filter(isGoBuildInput)).toEqual([]);
  });
});

describe('goBuildErrors', () => {
  it("is go's output line by line without the package heading, else the error's message", () => {
    expect(goBuildErrors(Object.assign(new Error('x'), { output: '# example.com/m\n./main.go:3:1: syntax error\n./main.go:4:2: undefined: y\n' }))).toEqual(['./main.go:3:1: syntax error', './main.go:4:2: undefined: y']);
    expect(goBuildErrors(new Error('spawn go ENOENT'))).toEqual(['spawn go ENOENT']);
  });
});

describe('watchGoPlugin', () => {
  it('replaces the binary by a rename, keeps it when a build fails, and leaves no staging file', async () => {
    const { moduleDir, mainGo, outFile } = goModule();
    const go = fakeGo(mainGo);
    const { onBuild, next } = builds();
    const watcher = await watchGoPlugin({ moduleDir, outFile, build: go.build }, onBuild);
    try {
      expect(await next()).toMatchObject({ ok: true, changed: [] });
      expect(readFileSync(outFile, 'utf8')).toContain('// 1');
      const first = statSync(outFile).ino;

      writeFileSync(mainGo, 'package main\n// 2\n');
      expect(await next()).toMatchObject({ ok: true, changed: ['cmd/fctl-plugin/main.go'] });
      expect(readFileSync(outFile, 'utf8')).toContain('// 2');
      // A new file renamed over the old one: an fctl that started the old binary keeps running it whole.
      expect(statSync(outFile).ino).not.toBe(first);
      expect(go.outputs.every((output) => dirname(output) === dirname(outFile) && output !== outFile)).toBe(true);

      writeFileSync(mainGo, 'package main\nbroken\n');
      expect(await next()).toEqual({ ok: false, durationMs: expect.any(Number), errors: ['./main.go:3:1: syntax error: unexpected EOF'], changed: ['cmd/fctl-plugin/main.go'] });
      expect(readFileSync(outFile, 'utf8')).toContain('// 2');
      expect(readdirSync(dirname(outFile))).toEqual([basename(outFile)]);

      writeFileSync(mainGo, 'package main\n// 3\n');
      expect((await next()).ok).toBe(true);
      expect(readFileSync(outFile, 'utf8')).toContain('// 3');
    } finally {
      await watcher.close();
    }
  }, SLOW);

  it('builds for go.mod and a package of the module, not for a test file, testdata or the build output', async () => {
    const { moduleDir, mainGo, outFile } = goModule();
    const go = fakeGo(mainGo);
    const { onBuild, next } = builds();
    const watcher = await watchGoPlugin({ moduleDir, outFile, build: go.build }, onBuild);
    try {
      await next();
      mkdirSync(join(moduleDir, 'testdata'));
      writeFileSync(join(moduleDir, 'cmd', 'fctl-plugin', 'main_test.go'), 'package main\n');
      writeFileSync(join(moduleDir, 'testdata', 'x.go'), 'package x\n');
      writeFileSync(join(dirname(outFile), 'notes.go'), 'package dist\n');
      writeFileSync(join(moduleDir, 'go.mod'), 'module example.com/m\n\ngo 1.26.0\n');
      expect((await next()).changed).toEqual(['go.mod']);

      mkdirSync(join(moduleDir, 'internal', 'client'), { recursive: true });
      writeFileSync(join(moduleDir, 'internal', 'client', 'client.go'), 'package client\n');
      expect((await next()).changed).toEqual(['internal/client/client.go']);
      expect(go.outputs).toHaveLength(3);
    } finally {
      await watcher.close();
    }
  }, SLOW);

  it('builds for the sources the last good build read, in the module and outside it (a replaced module), and new Go files; not for the module\'s other packages', async () => {
    const { moduleDir, mainGo, outFile } = goModule();
    const sdk = mkdtempSync(join(tmpdir(), 'go-dev-watch-sdk-'));
    const sdkFile = join(sdk, 'plugin.go');
    writeFileSync(sdkFile, 'package plugin\n');
    writeFileSync(join(sdk, 'notes.txt'), 'not Go\n');
    // A package of the module the plugin does not import (the service's own code).
    mkdirSync(join(moduleDir, 'service'));
    const serviceGo = join(moduleDir, 'service', 'store.go');
    writeFileSync(serviceGo, 'package service\n');
    const go = fakeGo(mainGo);
    const { onBuild, next } = builds();
    const build = async (output: string) => {
      await go.build(output);
      return { inputs: [mainGo, sdkFile] };
    };
    const watcher = await watchGoPlugin({ moduleDir, outFile, build }, onBuild);
    try {
      await next();
      writeFileSync(join(sdk, 'notes.txt'), 'still not Go\n');
      writeFileSync(serviceGo, 'package service\n// 2\n');
      writeFileSync(sdkFile, 'package plugin\n// 2\n');
      expect((await next()).changed).toEqual([relative(moduleDir, sdkFile).split(sep).join('/')]);
      writeFileSync(join(sdk, 'flags.go'), 'package plugin\n');
      expect((await next()).changed).toEqual([relative(moduleDir, join(sdk, 'flags.go')).split(sep).join('/')]);
      expect(go.outputs).toHaveLength(3);
    } finally {
      await watcher.close();
    }
  }, SLOW);
});
