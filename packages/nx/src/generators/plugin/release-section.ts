// The "release" section of fctl-plugin.json, from the plugin generator's options: where
// `nx run <plugin>:release` publishes and registers. Paths become relative to the plugin directory.
// Only which option goes where is decided here; whether the result is valid (the backends, owner/name
// repositories, what each backend needs) is the fctl-plugin.json schema's to say (plugin-config.ts).
import { posix } from 'node:path';
import type { PluginConfig } from '@fctl-kit/plugin-config';
import { devkit } from '../../devkit.js';
import { PluginGeneratorError } from './errors.js';
import type { PluginOptions } from './generator.js';

type ReleaseSection = NonNullable<PluginConfig['release']>;

export function releaseSection(options: PluginOptions, directory: string): ReleaseSection | undefined {
  const fromPlugin = (path: string) => posix.relative(devkit.normalizePath(directory), devkit.normalizePath(path)) || '.';
  if (options.registryFile && options.registryRepo) throw new PluginGeneratorError('--registryFile and --registryRepo both name the registry: choose one');
  const wantsRegistry = Boolean(options.registryFile || options.registryRepo);
  if (!options.releaseBackend) {
    if (wantsRegistry || options.releaseTo || options.releaseRepo) throw new PluginGeneratorError('--releaseBackend is needed to write a release section');
    return undefined;
  }
  // A url backend's directory is written from the plugin directory; URLs and OCI repositories as given.
  const local = options.releaseBackend === 'url' && options.releaseTo !== undefined && !/^https?:\/\//i.test(options.releaseTo);
  const backend = {
    backend: options.releaseBackend,
    ...(options.releaseTo !== undefined ? { to: local ? fromPlugin(options.releaseTo) : options.releaseTo } : {}),
    ...(options.releaseRepo !== undefined ? { repo: options.releaseRepo } : {}),
  } as ReleaseSection['backends'][number];
  const registry = options.registryFile
    ? { file: fromPlugin(options.registryFile) }
    : options.registryRepo
      ? { github: { repo: options.registryRepo, path: options.registryPath ?? 'registry.yaml' } }
      : undefined;
  return { backends: [backend], ...(registry ? { registry } : {}) };
}
