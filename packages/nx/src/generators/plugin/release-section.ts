// The "release" section of fctl-plugin.json, from the plugin generator's options: where
// `nx run <plugin>:release` publishes and registers. Paths become relative to the plugin directory.
import { posix } from 'node:path';
import { devkit } from '../../devkit.js';
import { PluginGeneratorError } from './errors.js';
import type { PluginOptions } from './generator.js';

const BACKENDS = ['url', 'oci', 'github-releases', 'private-releases'];
const REPO = /^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/;

export function releaseSection(options: PluginOptions, directory: string): Record<string, unknown> | undefined {
  const fromPlugin = (path: string) => posix.relative(devkit.normalizePath(directory), devkit.normalizePath(path)) || '.';
  if (options.registryFile && options.registryRepo) throw new PluginGeneratorError('--registryFile and --registryRepo both name the registry: choose one');
  const wantsRegistry = Boolean(options.registryFile || options.registryRepo);
  if (!options.releaseBackend) {
    if (wantsRegistry || options.releaseTo || options.releaseRepo) throw new PluginGeneratorError('--releaseBackend is needed to write a release section (url, oci, github-releases or private-releases)');
    return undefined;
  }
  if (!BACKENDS.includes(options.releaseBackend)) throw new PluginGeneratorError(`unknown release backend "${options.releaseBackend}": use one of ${BACKENDS.join(', ')}`);
  let backend: Record<string, string>;
  if (options.releaseBackend === 'url' || options.releaseBackend === 'oci') {
    if (!options.releaseTo) throw new PluginGeneratorError(`--releaseBackend ${options.releaseBackend} needs --releaseTo (${options.releaseBackend === 'url' ? 'a directory or an http(s) URL' : 'an OCI repository, host/path'})`);
    const remote = options.releaseBackend === 'oci' || /^https?:\/\//i.test(options.releaseTo);
    backend = { backend: options.releaseBackend, to: remote ? options.releaseTo : fromPlugin(options.releaseTo) };
  } else {
    if (!REPO.test(options.releaseRepo ?? '')) throw new PluginGeneratorError(`--releaseBackend ${options.releaseBackend} needs --releaseRepo owner/name`);
    backend = { backend: options.releaseBackend, repo: options.releaseRepo! };
  }
  if (options.registryRepo && !REPO.test(options.registryRepo)) throw new PluginGeneratorError(`--registryRepo must be owner/name; got "${options.registryRepo}"`);
  const registry = options.registryFile
    ? { file: fromPlugin(options.registryFile) }
    : options.registryRepo
      ? { github: { repo: options.registryRepo, path: options.registryPath ?? 'registry.yaml' } }
      : undefined;
  return { backends: [backend], ...(registry ? { registry } : {}) };
}

