// Where fctl fetches one version from, in order: the version's own sources, else the plugin's, else
// (documents written before sources existed) the one source the plugin's distribution fields name.
import type { RegistryPlugin, RegistrySource, RegistryVersion } from './schema.js';

/** The source a plugin's legacy fields (distribution, repo, oci, url, githubUrl, githubApiUrl) name for a version. */
export function legacySource(plugin: RegistryPlugin, entry: RegistryVersion): RegistrySource {
  const distribution = plugin.distribution ?? 'github-releases';
  if (distribution === 'url') return { backend: 'url', url: entry.url ?? plugin.url };
  if (distribution === 'oci') return { backend: 'oci', repository: plugin.oci };
  if (distribution === 'private-releases') return { backend: 'private-releases', repo: plugin.repo, ...(plugin.githubApiUrl ? { githubApiUrl: plugin.githubApiUrl } : {}) };
  return { backend: 'github-releases', repo: plugin.repo, ...(plugin.githubUrl ? { githubUrl: plugin.githubUrl } : {}) };
}

/** Whether the version's files come from the legacy fields (no `sources` on it or on its plugin). */
export const usesLegacySource = (plugin: RegistryPlugin, entry: RegistryVersion): boolean => !entry.sources && !plugin.sources;

/** The sources of one version, in the order fctl tries them. */
export function sourcesOf(plugin: RegistryPlugin, entry: RegistryVersion): RegistrySource[] {
  return entry.sources ?? plugin.sources ?? [legacySource(plugin, entry)];
}
