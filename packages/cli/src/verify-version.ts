// The plugin version = service version rule, checked wherever a version is read: the service's own
// version source, the built plugin's manifest, the release tag on HEAD, and the registry key.
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { readPluginConfig, releaseTag, repositoryRoot, serviceVersion } from '@fctl-kit/build';
import { parseRegistry } from '@fctl-kit/registry';

export interface VersionReport {
  service: { version: string; from: string };
  values: Array<{ what: string; version: string | undefined; from: string }>;
  problems: string[];
}

export async function verifyVersion(pluginDir: string, options: { buildDir?: string; registry?: string }): Promise<VersionReport> {
  const dir = resolve(pluginDir);
  const config = await readPluginConfig(dir);
  const service = await serviceVersion(dir, config);
  const values: VersionReport['values'] = [];
  if (options.buildDir) {
    const path = join(resolve(options.buildDir), 'manifest.json');
    const manifest = JSON.parse(await readFile(path, 'utf8').catch(() => '{}')) as { name?: string; version?: string };
    values.push({ what: 'the built plugin reports', version: manifest.version, from: path });
    if (manifest.name && manifest.name !== config.name) values.push({ what: `the built plugin is named "${manifest.name}", not`, version: config.name, from: path });
  }
  const tag = await releaseTag(await repositoryRoot(dir));
  if (tag) values.push({ what: 'the release tag is', version: tag.slice(1), from: `git tag ${tag}` });
  if (options.registry) {
    const path = resolve(options.registry);
    const document = parseRegistry(await readFile(path), path);
    const versions = Object.keys(document.plugins[config.name]?.versions ?? {});
    values.push({ what: 'the registry lists', version: versions.includes(service.version) ? service.version : undefined, from: `${path} (plugins.${config.name}: ${versions.join(', ') || 'no versions'})` });
  }
  const problems = values
    .filter((value) => value.version !== service.version || value.what.startsWith('the built plugin is named'))
    .map((value) =>
      value.what.startsWith('the built plugin is named')
        ? `${value.what} "${value.version}" (${value.from})`
        : `${value.what} ${value.version ?? 'no such version'} (${value.from}), but the service version is ${service.version} (${service.from})`,
    );
  return { service, values, problems };
}
