// The "release" section of fctl-plugin.json: where `fctl-kit release` publishes and registers.
//   "release": {
//     "backends": [
//       { "backend": "url", "to": "../../dist/plugins", "publicBase": "https://dl.example.com/fctl" },
//       { "backend": "oci", "to": "registry.example.com/fctl/ledger" },
//       { "backend": "github-releases", "repo": "formancehq/ledger" }          (or private-releases; "apiUrl" for GHE)
//     ],
//     "registry": { "file": "../../registry.yaml" }
//              or { "github": { "repo": "formancehq/fctl-registry", "path": "registry.yaml", "base": "main" } }
//   }
// Each entry of "backends" is one backend's config, checked by that backend's schema (the union is
// derived from the list of backends). Local paths (the fields its flags mark as paths) are relative
// to the plugin directory. The registered version lists every backend's source in this order: fctl
// tries the first first, the others are its mirrors.
import { join, resolve } from 'node:path';
import { backendNamed, resolvePaths, type PublishConfig } from '@fctl-kit/backends';
import { PLUGIN_CONFIG, readPluginConfig, type PluginConfig } from '@fctl-kit/plugin-config';

export type ReleaseBackend = PublishConfig;

export type RegistryTarget = { file: string } | { github: { repo: string; path: string; base?: string; apiUrl?: string } };

export interface ReleaseConfig {
  backends: ReleaseBackend[];
  registry?: RegistryTarget;
}

export class ReleaseConfigError extends Error {}

/**
 * The release section, checked by fctl-plugin.json's schema (packages/plugin-config/src/plugin-config-schema.ts)
 * with the rest of the file; local paths become absolute, from the plugin directory.
 */
export async function readReleaseConfig(pluginDir: string): Promise<ReleaseConfig> {
  const dir = resolve(pluginDir);
  const config: PluginConfig = await readPluginConfig(dir).catch((error: Error) => {
    throw new ReleaseConfigError(error.message);
  });
  const release = config.release;
  if (!release) {
    throw new ReleaseConfigError(`${join(dir, PLUGIN_CONFIG)} has no "release" section: name the backends to publish to and the registry, e.g.\n  "release": { "backends": [{ "backend": "url", "to": "../../dist/plugins" }], "registry": { "file": "../../registry.yaml" } }`);
  }
  const backends = release.backends.map((backend): ReleaseBackend => resolvePaths(backendNamed(backend.backend).flags, backend, dir));
  const registry = release.registry;
  if (!registry) return { backends };
  return { backends, registry: registry.file !== undefined ? { file: resolve(dir, registry.file) } : { github: registry.github! } };
}
