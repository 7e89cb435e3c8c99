// The backend a plugin's registry entry names (github-releases when it names none).
import type { RegistryPlugin } from '@fctl-kit/registry';
import type { DistributionBackend } from './backend.js';
import { GithubReleasesBackend } from './github/backend.js';
import { OciBackend } from './oci/backend.js';
import { UrlBackend } from './url-backend.js';

export function backendFor(plugin: RegistryPlugin): DistributionBackend {
  const distribution = plugin.distribution ?? 'github-releases';
  if (distribution === 'url') return new UrlBackend();
  if (distribution === 'oci') return new OciBackend();
  return new GithubReleasesBackend(distribution === 'private-releases');
}
