// What go resolves for a Go plugin, listed by the real go (go list): the sources Nx hashes through
// `fctl-kit inputs`. A product module whose plugin imports a product package (with a file that
// builds only on windows, importing a package only windows needs, and an embedded file), a module
// a replace points to a directory, and a helper only the plugin's tests import; a package nobody
// imports stays out, and so does the test main go generates in its cache.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { goInputs, GoSourcesError } from '../src/index.js';

let work: string;
const mainDir = () => join(work, 'product', 'cmd', 'fctl-plugin');
const write = (path: string, text: string) => {
  mkdirSync(dirname(join(work, path)), { recursive: true });
  writeFileSync(join(work, path), text);
};
const env = { ...process.env, GOTOOLCHAIN: 'local' };

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'go-sources-'));
  write('lib/go.mod', 'module example.com/lib\n\ngo 1.22\n');
  write('lib/lib.go', 'package lib\n\nconst Name = "lib"\n');
  write('product/go.mod', 'module example.com/p\n\ngo 1.22\n\nrequire example.com/lib v0.0.0\n\nreplace example.com/lib => ../lib\n');
  write('product/cmd/fctl-plugin/main.go', 'package main\n\nimport (\n\t"fmt"\n\n\t"example.com/lib"\n\t"example.com/p/api"\n)\n\nfunc main() { fmt.Println(lib.Name, api.Name, len(api.Spec)) }\n');
  write('product/cmd/fctl-plugin/main_test.go', 'package main\n\nimport (\n\t"testing"\n\n\t"example.com/p/testhelp"\n)\n\nfunc TestName(t *testing.T) { testhelp.Check(t) }\n');
  write('product/api/api.go', 'package api\n\nimport _ "embed"\n\nconst Name = "p"\n\n//go:embed spec.json\nvar Spec []byte\n');
  write('product/api/spec.json', '{}\n');
  write('product/api/api_windows.go', 'package api\n\nimport _ "example.com/p/winonly"\n');
  write('product/winonly/winonly.go', 'package winonly\n');
  write('product/testhelp/testhelp.go', 'package testhelp\n\nimport "testing"\n\nfunc Check(t *testing.T) {}\n');
  write('product/unrelated/unrelated.go', 'package unrelated\n');
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('goInputs', () => {
  it('lists every source the plugin and its tests read, on every target, relative to the main package', async () => {
    const inputs = await goInputs(mainDir(), { env });
    expect(inputs.map((input) => input.path)).toEqual([
      '../../../lib/lib.go',
      '../../api/api.go',
      '../../api/api_windows.go',
      '../../api/spec.json',
      '../../testhelp/testhelp.go',
      '../../winonly/winonly.go',
      'main.go',
      'main_test.go',
    ]);
    for (const input of inputs) expect(input.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('changes with a file only another platform builds, and not with a package nobody imports', async () => {
    const before = await goInputs(mainDir(), { env });
    write('product/unrelated/unrelated.go', 'package unrelated\n\nconst X = 1\n');
    expect(await goInputs(mainDir(), { env })).toEqual(before);
    write('product/winonly/winonly.go', 'package winonly\n\nconst X = 1\n');
    const after = await goInputs(mainDir(), { env });
    expect(after.find((input) => input.path === '../../winonly/winonly.go')!.sha256).not.toBe(before.find((input) => input.path === '../../winonly/winonly.go')!.sha256);
  });

  it('fails, naming go, when go cannot run: an empty list would let a stale build be reused', async () => {
    const failure = goInputs(mainDir(), { env, command: join(work, 'no-such-go') });
    await expect(failure).rejects.toThrow(GoSourcesError);
    await expect(failure).rejects.toThrow(/go list in .*cmd\/fctl-plugin failed: .*ENOENT/);
  });

  it('fails on a go.mod go cannot read, with what go said', async () => {
    write('broken/go.mod', 'module example.com/broken\n\nthis is not go.mod\n');
    write('broken/main.go', 'package main\n\nfunc main() {}\n');
    await expect(goInputs(join(work, 'broken'), { env })).rejects.toThrow(/go list in .*broken failed: .*go\.mod:3: unknown directive/s);
  });
});
