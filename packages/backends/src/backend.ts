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

export interface OpenedFile {
  body: AsyncIterable<Uint8Array>;
  /** Announced size, when the source knows it (Content-Length, file size). */
  size?: number;
  /** Releases the source when the body is not read to its end (an unread HTTP body holds its connection). */
  close?: () => Promise<void>;
}

export interface DistributionBackend {
  readonly name: string;
  /** Where `file` of `release` comes from, for messages: never carries credentials. */
  describe(release: Release, file: string): string;
  /** Opens `file` for one attempt; throws a DownloadError. */
  open(release: Release, file: string, signal: AbortSignal): Promise<OpenedFile>;
}

export class DownloadError extends Error {
  override name = 'DownloadError';
  constructor(
    message: string,
    /** Worth another attempt: 5xx, 429, a reset, a truncated or stalled body. */
    readonly transient: boolean,
    /** From Retry-After, when the server sent one. */
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
}
