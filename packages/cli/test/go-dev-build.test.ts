// The Go dev loop's build step with the real go (what `fctl-kit dev` runs for a Go plugin): a copy
// of the fixture module built for this machine with version "dev", and the source files it read
// outside the module cache (the module's own and the replaced SDK's, not the standard library).
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { buildGoForHost, GoBuildError } from '@fctl-kit/binaries';
import { readManifest } from '@fctl-kit/plugin-config';

const repoRoot = resolve(import.meta.dirname, '..', '..', '..');
const work = mkdtempSync(join(tmpdir(), 'go-dev-build-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function fixtureCopy(): string {
  const moduleDir = join(work, 'module');
  cpSync(join(repoRoot, 'test', 'fixtures', 'go-plugin'), moduleDir, { recursive: true });
  const goMod = join(moduleDir, 'go.mod');
  writeFileSync(goMod, readFileSync(goMod, 'utf8').replace(/^replace (\S+) => .*$/m, (_, module: string) => `replace ${module} => ${join(repoRoot, 'sdk', 'go')}`));
  return join(moduleDir, 'cmd', 'fctl-plugin');
}

it('builds the host binary with version dev and names the sources it read; a compile error carries go\'s output', async () => {
  const mainDir = fixtureCopy();
  const output = join(work, 'fctl-plugin-ledger');
  const { inputs } = await buildGoForHost({ mainDir, output, version: 'dev' });
  expect(await readManifest(output)).toMatchObject({ name: 'ledger', version: 'dev' });
  expect(inputs).toContain(join(mainDir, 'main.go'));
  expect(inputs).toContain(join(repoRoot, 'sdk', 'go', 'plugin', 'version.go'));
  expect(inputs.filter((path) => !path.startsWith(work) && !path.startsWith(join(repoRoot, 'sdk', 'go')))).toEqual([]);

  writeFileSync(join(mainDir, 'main.go'), `${readFileSync(join(mainDir, 'main.go'), 'utf8')}\nfunc broken( {\n`);
  const failure = await buildGoForHost({ mainDir, output: join(work, 'broken'), version: 'dev' }).catch((error: unknown) => error);
  expect(failure).toBeInstanceOf(GoBuildError);
  expect((failure as GoBuildError).output).toMatch(/main\.go:\d+:\d+: syntax error/);
}, 120_000);
