// The plugin version = service version rule, checked wherever a version is read: the service's own
// version source, the built plugin's manifest, the release tag on HEAD, and the registry key.
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { readPluginConfig, releaseTag, repositoryRoot, serviceVersion, type ServiceVersion } from '@fctl-kit/plugin-config';
import { parseRegistry } from '@fctl-kit/registry';

export interface VersionReport {
  /** `service.snapshot`: snapshot mode gave the version (no release tag on HEAD); `from` says where from. */
  service: ServiceVersion;
  values: Array<{ what: string; version: string | undefined; from: string }>;
  problems: string[];
}

interface PackageVersion {
  role: 'service' | 'plugin';
  name: string;
  version: string | undefined;
  path: string;
}

/**
 * With a package.json version source, the service package and the plugin package are released
 * together (a changesets fixed group): their names make the release tags (name@X.Y.Z), and the
 * plugin package's own version must be the service version too.
 */
async function fixedPackages(pluginDir: string, servicePackage: string): Promise<PackageVersion[]> {
  const read = async (role: PackageVersion['role'], path: string): Promise<PackageVersion[]> => {
    const json = JSON.parse(await readFile(path, 'utf8').catch(() => '{}')) as { name?: string; version?: string };
    return json.name ? [{ role, name: json.name, version: json.version, path }] : [];
  };
  const plugin = join(pluginDir, 'package.json');
  return [...(await read('service', servicePackage)), ...(plugin === servicePackage ? [] : await read('plugin', plugin))];
}

/**
 * In snapshot mode (`snapshot`, or FCTL_KIT_SNAPSHOT in `env`) a git-tag source without a release
 * tag on HEAD takes the nearest tag's version and no tag on HEAD is demanded; a tag on HEAD is still
 * checked. Publishing refuses such a version (refuseSnapshot in @fctl-kit/plugin-config).
 */
export async function verifyVersion(pluginDir: string, options: { buildDir?: string; registry?: string; snapshot?: boolean; env?: NodeJS.ProcessEnv }): Promise<VersionReport> {
  const dir = resolve(pluginDir);
  const config = await readPluginConfig(dir);
  const service = await serviceVersion(dir, config, { ...(options.snapshot ? { snapshot: true } : {}), ...(options.env ? { env: options.env } : {}) });
  const values: VersionReport['values'] = [];
  if (options.buildDir) {
    const path = join(resolve(options.buildDir), 'manifest.json');
    const manifest = JSON.parse(await readFile(path, 'utf8').catch(() => '{}')) as { name?: string; version?: string };
    values.push({ what: 'the built plugin reports', version: manifest.version, from: path });
    if (manifest.name && manifest.name !== config.name) values.push({ what: `the built plugin is named "${manifest.name}", not`, version: config.name, from: path });
  }
  const packages = config.version.source === 'package-json' ? await fixedPackages(dir, resolve(dir, config.version.path)) : [];
  for (const pkg of packages.filter((p) => p.role === 'plugin')) values.push({ what: "the plugin's package.json says", version: pkg.version, from: pkg.path });
  const tag = await releaseTag(await repositoryRoot(dir), packages.map((p) => p.name));
  if (tag) values.push({ what: 'the release tag is', version: tag.version, from: `git tag ${tag.tag}` });
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
