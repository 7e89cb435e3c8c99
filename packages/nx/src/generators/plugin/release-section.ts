// The "release" section of fctl-plugin.json, from the plugin generator's options: where
// `nx run <plugin>:release` publishes and registers. Paths become relative to the plugin directory.
// Which option sets which field of which backend is generated from the list of backends
// (generated/release-backends.ts); whether the result is valid (the backends, owner/name
// repositories, what each backend needs) is the fctl-plugin.json schema's to say (plugin-config.ts).
import { posix } from 'node:path';
import type { PluginConfig } from '@fctl-kit/plugin-config';
import { devkit } from '../../devkit.js';
import { PluginGeneratorError } from './errors.js';
import type { PluginOptions } from './generator.js';
import { RELEASE_BACKENDS, type ReleaseOption } from './generated/release-backends.js';

type ReleaseSection = NonNullable<PluginConfig['release']>;

/** Every release<Field> option of any backend, once each. */
export const RELEASE_OPTIONS: readonly ReleaseOption[] = [...new Map(Object.values(RELEASE_BACKENDS).flat().map((option) => [option.option, option])).values()];

/** A value with a URL scheme is kept as written (the backends' rule for path fields, @fctl-kit/backends config-paths.ts). */
const hasUrlScheme = (value: string) => /^[a-z][a-z0-9+.-]*:\/\//i.test(value);

export function releaseSection(options: PluginOptions, directory: string): ReleaseSection | undefined {
  const fromPlugin = (path: string) => posix.relative(devkit.normalizePath(directory), devkit.normalizePath(path)) || '.';
  if (options.registryFile && options.registryRepo) throw new PluginGeneratorError('--registryFile and --registryRepo both name the registry: choose one');
  if ((options.registryPath || options.registryApiUrl) && !options.registryRepo) throw new PluginGeneratorError(`--${options.registryPath ? 'registryPath' : 'registryApiUrl'} applies to a registry repository: pass --registryRepo`);
  const wantsRegistry = Boolean(options.registryFile || options.registryRepo);
  const given = RELEASE_OPTIONS.filter(({ option }) => options[option] !== undefined);
  if (!options.releaseBackend) {
    if (wantsRegistry || given.length) throw new PluginGeneratorError('--releaseBackend is needed to write a release section');
    return undefined;
  }
  // The chosen backend's local paths are written from the plugin directory; URLs and the rest as given.
  const paths = new Set((RELEASE_BACKENDS[options.releaseBackend] ?? []).filter((option) => option.path).map((option) => option.field));
  const backend = {
    backend: options.releaseBackend,
    ...Object.fromEntries(
      given.map(({ option, field }) => {
        const value = options[option]!;
        return [field, paths.has(field) && !hasUrlScheme(value) ? fromPlugin(value) : value];
      }),
    ),
  };
  const registry = options.registryFile
    ? { file: fromPlugin(options.registryFile) }
    : options.registryRepo
      ? { github: { repo: options.registryRepo, path: options.registryPath ?? 'registry.yaml', ...(options.registryApiUrl ? { apiUrl: options.registryApiUrl } : {}) } }
      : undefined;
  return { backends: [backend], ...(registry ? { registry } : {}) };
}
