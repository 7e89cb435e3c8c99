// `nx g @fctl-kit/nx:init`: registers the plugin in nx.json (once) and adds the dev dependencies.
// In a plain repository (no nx.json yet) it initialises Nx: nx.json, and nx as a dev dependency.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { devkit, type Tree } from '../../devkit.js';

export const PLUGIN_NAME = '@fctl-kit/nx';

/** This package's own version (the kit's packages are released together at one version): read from its package.json, so a release cannot install an older kit. */
function ownVersion(): string {
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) {
      const manifest = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
      if (manifest.name === PLUGIN_NAME && manifest.version) return manifest.version;
    }
    if (dirname(dir) === dir) throw new Error(`${PLUGIN_NAME}: its package.json was not found above ${fileURLToPath(import.meta.url)}`);
  }
}
export const KIT_VERSION = ownVersion();
export const NX_VERSION = '^23.2.1';

export interface InitOptions {
  skipPackageJson?: boolean;
  /** go: the plugin's tests are Go's: no TypeScript SDK, vitest nor TypeScript. */
  language?: 'typescript' | 'go';
}

export async function initGenerator(tree: Tree, options: InitOptions = {}) {
  const plainRepository = !tree.exists('nx.json');
  if (plainRepository) {
    devkit.writeJson(tree, 'nx.json', { $schema: './node_modules/nx/schemas/nx-schema.json', plugins: [PLUGIN_NAME] });
  } else {
    const nxJson = devkit.readNxJson(tree) ?? {};
    const plugins = nxJson.plugins ?? [];
    if (!plugins.some((plugin) => (typeof plugin === 'string' ? plugin : plugin.plugin) === PLUGIN_NAME)) {
      nxJson.plugins = [...plugins, PLUGIN_NAME];
      devkit.updateNxJson(tree, nxJson);
    }
  }
  const install = options.skipPackageJson
    ? () => {}
    : devkit.addDependenciesToPackageJson(tree, {}, {
        '@fctl-kit/nx': KIT_VERSION,
        '@fctl-kit/cli': KIT_VERSION,
        // fctl itself: the dev loop links builds into it, compatibility scenarios run it.
        '@fctl-kit/core': KIT_VERSION,
        ...(options.language === 'go'
          ? {}
          : {
              '@fctl-kit/plugin-sdk': KIT_VERSION,
              // What the inferred test and typecheck targets run.
              vitest: '^4.1.12',
              typescript: '^5.9.3',
              '@types/node': '^20.19.0',
            }),
        ...(plainRepository ? { nx: NX_VERSION } : {}),
      });
  return install;
}

export default initGenerator;
