// Fetching the registry document: files are read as they are; URLs are fetched with a conditional
// request against a cached copy (<config>/cache/registry-<hash>.json), and the cached copy is used,
// with a warning, when the registry cannot be reached. Without a cached copy, transient failures
// (5xx, 429, resets, cut-short bodies) are retried by the HTTP layer.
import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { networkReason } from '@fctl-kit/backends';
import { HttpRequestError, isRetryableStatus, requestBuffered, type BufferedResponse } from '@fctl-kit/http';
import { indexRegistry, MAX_REGISTRY_BYTES, type RegistryIndex } from '@fctl-kit/registry';
import { readJsonFile, writeJsonAtomic } from '../config/json-file.js';
import { parseRegistryCached } from '../store/parsed-registry-cache.js';
import type { RegistryLocation } from './registry-location.js';

interface CachedRegistry {
  location: string;
  etag?: string;
  lastModified?: string;
  body: string;
}

export interface LoadedRegistry {
  index: RegistryIndex;
  location: RegistryLocation;
  /** Set when the registry could not be reached and a cached copy was used. */
  stale?: string;
}

const cachePath = (configDir: string, location: RegistryLocation) =>
  join(configDir, 'cache', `registry-${createHash('sha256').update(location.display).digest('hex').slice(0, 16)}.json`);

interface Fetched {
  body: string;
  stale?: string;
  /** Validators of a fresh response, to cache with it. */
  fresh?: { etag: string | null; lastModified: string | null };
}

async function fetchWithCache(configDir: string, location: Extract<RegistryLocation, { kind: 'url' }>, debug: (line: string) => void, once: boolean): Promise<Fetched> {
  const path = cachePath(configDir, location);
  const cached = await readJsonFile<CachedRegistry | undefined>(path, undefined, (value) => value as CachedRegistry).catch(() => undefined);
  const headers: Record<string, string> = { accept: 'application/yaml, application/json;q=0.9, */*;q=0.5' };
  if (cached?.etag) headers['if-none-match'] = cached.etag;
  if (cached?.lastModified) headers['if-modified-since'] = cached.lastModified;
  // With a cached copy to fall back on (or for a background refresh), one attempt; without, retries
  // with backoff (and Retry-After).
  let response: BufferedResponse;
  try {
    response = await requestBuffered(location.url, {
      headers,
      maxBytes: MAX_REGISTRY_BYTES,
      ...(cached || once ? { retries: 0 } : {}),
      // A background refresh gives up sooner: a hanging registry must not hold up every run.
      ...(once ? { timeouts: { connectMs: 3_000, responseMs: 5_000, stallMs: 5_000, deadlineMs: 15_000 } } : {}),
      onRetry: (message) => debug(`registry: ${message}`),
    });
  } catch (error) {
    if (error instanceof HttpRequestError && ['policy', 'redirect', 'too-large'].includes(error.kind)) throw new Error(`the plugin registry ${location.display}: ${error.reason}`);
    const reason = networkReason(error);
    if (cached) return { body: cached.body, stale: `cannot reach the registry ${location.display} (${reason}); using the copy fetched earlier` };
    throw new Error(`cannot reach the plugin registry ${location.display} (${reason})`);
  }
  if (response.status === 304 && cached) {
    debug(`registry: ${location.display} not modified (304), using the cached copy`);
    return { body: cached.body };
  }
  if (response.status < 200 || response.status >= 300) {
    if (cached && isRetryableStatus(response.status)) return { body: cached.body, stale: `the registry ${location.display} answered ${response.status}; using the copy fetched earlier` };
    throw new Error(`the plugin registry ${location.display} answered ${response.status} ${response.statusText}`);
  }
  const body = response.text();
  debug(`registry: fetched ${location.display} (${body.length} bytes)`);
  return { body, fresh: { etag: response.headers.get('etag'), lastModified: response.headers.get('last-modified') } };
}

/** `once`: a single attempt (a background refresh must not hold up the command it runs before). */
export async function loadRegistry(configDir: string, location: RegistryLocation, debug: (line: string) => void, options: { once?: boolean } = {}): Promise<LoadedRegistry> {
  if (location.kind === 'file') {
    const info = await stat(location.path).catch(() => undefined);
    if (!info?.isFile()) throw new Error(`the plugin registry ${location.path} does not exist`);
    if (info.size > MAX_REGISTRY_BYTES) throw new Error(`the registry ${location.path} is ${info.size} bytes, over the limit of ${MAX_REGISTRY_BYTES}`);
    return { index: indexRegistry(await parseRegistryCached(configDir, await readFile(location.path), location.path, debug)), location };
  }
  const fetched = await fetchWithCache(configDir, location, debug, Boolean(options.once));
  const index = indexRegistry(await parseRegistryCached(configDir, fetched.body, location.display, debug));
  if (fetched.fresh) {
    // Cached only once it parsed: a broken document never replaces a good copy.
    await writeJsonAtomic(cachePath(configDir, location), {
      location: location.display,
      body: fetched.body,
      ...(fetched.fresh.etag ? { etag: fetched.fresh.etag } : {}),
      ...(fetched.fresh.lastModified ? { lastModified: fetched.fresh.lastModified } : {}),
    } satisfies CachedRegistry);
  }
  return { index, location, ...(fetched.stale ? { stale: fetched.stale } : {}) };
}
