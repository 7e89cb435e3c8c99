// One interface for every distribution backend: a backend knows where the files of a release are
// and opens one of them; retries, limits, progress and verification are the same for all.
import type { RegistryPlugin, RegistryVersion } from '@fctl-kit/registry';
import type { Platform } from '@fctl-kit/artifacts';

/** A plugin release as the registry describes it. */
export interface Release {
  name: string;
  version: string;
  plugin: RegistryPlugin;
  entry: RegistryVersion;
  platform: Platform;
}

import type { OpenedFile } from './distribution-backend.js';
export { DownloadError, type OpenedFile } from './distribution-backend.js';

export interface DistributionBackend {
  readonly name: string;
  /** Where `file` of `release` comes from, for messages: never carries credentials. */
  describe(release: Release, file: string): string;
  /** Opens `file` for one attempt; throws a DownloadError. */
  open(release: Release, file: string, signal: AbortSignal): Promise<OpenedFile>;
}

