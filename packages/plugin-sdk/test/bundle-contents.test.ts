// What a plugin bundles of the SDK, read from esbuild's metafile (not timed): every plugin process
// loads and compiles it before its hello, so the validators of the plugin's own messages (their
// hello holds the manifest's schema, most of the generated code) and semver (for checkManifest) stay
// out. A plugin decodes the core's messages and checks the requests it sends (checkHttpRequestV2).
import { join } from 'node:path';
import { build } from 'esbuild';
import { expect, it } from 'vitest';

async function bundledInputs(entry: string): Promise<string[]> {
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    write: false,
    metafile: true,
    platform: 'node',
    format: 'cjs',
    conditions: ['@fctl-kit/source'],
    define: { __FCTL_PLUGIN_VERSION__: '"1.2.3"' },
    logLevel: 'silent',
  });
  return Object.values(result.metafile.outputs).flatMap((output) => Object.entries(output.inputs).filter(([, input]) => input.bytesInOutput > 0).map(([path]) => path));
}

it('a plugin bundles the validators of the core messages, not those of its own messages, nor semver', async () => {
  const inputs = await bundledInputs(join(import.meta.dirname, 'fixtures', 'sdk-plugin.ts'));
  const generated = inputs.filter((path) => path.includes('protocol/src/generated/')).map((path) => path.replace(/^.*\/generated\//, ''));
  expect(generated.sort()).toEqual(['core-message-v2.ts', 'core-message.ts', 'http-request-v2.ts']);
  expect(inputs.filter((path) => path.includes('node_modules/semver/'))).toEqual([]);
});
