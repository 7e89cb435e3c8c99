// The backend a plugin's registry entry names. github-releases and private-releases are not
// implemented yet (they will share this interface); until then they say so plainly.
import type { RegistryPlugin } from '@fctl-kit/registry';
import { DownloadError, type DistributionBackend } from './backend.js';
import { OciBackend } from './oci/backend.js';
import { UrlBackend } from './url-backend.js';

export function backendFor(plugin: RegistryPlugin): DistributionBackend {
  const distribution = plugin.distribution ?? 'github-releases';
  if (distribution === 'url') return new UrlBackend();
  if (distribution === 'oci') return new OciBackend();
  throw new DownloadError(`this fctl cannot download from the ${distribution} backend yet; install from a file or directory with --path or --from`, false);
}
