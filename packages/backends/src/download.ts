// Downloading one release file through any backend: bounded size, a stall timeout, retries with
// backoff for transient failures (honouring Retry-After), progress events, and the sha256 of what
// was written. The caller decides where (a temporary path) and verifies before using it.
import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';
import { HttpRequestError } from '@fctl-kit/http';
import pRetry, { AbortError } from 'p-retry';
import { DownloadError, type DistributionBackend, type OpenedFile, type Release } from './backend.js';

export interface DownloadProgress {
  file: string;
  received: number;
  total?: number;
}

export interface DownloadOptions {
  maxBytes: number;
  /** Give up an attempt when no byte arrives for this long (default 30 s). */
  idleTimeoutMs?: number;
  /** Further attempts after the first, for transient failures (default 4). */
  retries?: number;
  /** First backoff delay; doubles each time (default 500 ms). */
  minRetryDelayMs?: number;
  /** A Retry-After longer than this is not waited for (default 60 s). */
  maxRetryAfterMs?: number;
  signal?: AbortSignal;
  onProgress?: (progress: DownloadProgress) => void;
  onRetry?: (message: string) => void;
}

export interface Downloaded {
  size: number;
  sha256: string;
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => (clearTimeout(timer), reject(signal.reason)), { once: true });
  });

async function attempt(backend: DistributionBackend, release: Release, file: string, destination: string, options: DownloadOptions): Promise<Downloaded> {
  const idleMs = options.idleTimeoutMs ?? 30_000;
  const idle = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, idle.signal]) : idle.signal;
  let timer: NodeJS.Timeout | undefined;
  const armIdle = () => {
    clearTimeout(timer);
    timer = setTimeout(() => idle.abort(new DownloadError(`${backend.describe(release, file)} stalled: no data for ${idleMs / 1000} s`, true)), idleMs);
  };
  const output = await open(destination, 'w', 0o600);
  let opened: OpenedFile | undefined;
  try {
    // Until the response starts, the HTTP layer's connect and response timeouts bound the wait;
    // from there on, this stall timer bounds the transfer into the file.
    opened = await backend.open(release, file, signal);
    armIdle();
    if (opened.size !== undefined && opened.size > options.maxBytes) {
      throw new DownloadError(`${backend.describe(release, file)} is ${opened.size} bytes, over the limit of ${options.maxBytes}`, false);
    }
    const hash = createHash('sha256');
    let received = 0;
    options.onProgress?.({ file, received, total: opened.size });
    for await (const chunk of opened.body) {
      armIdle();
      received += chunk.byteLength;
      if (received > options.maxBytes) throw new DownloadError(`${backend.describe(release, file)} exceeds the limit of ${options.maxBytes} bytes`, false);
      hash.update(chunk);
      await output.write(chunk).catch((error: NodeJS.ErrnoException) => {
        // The local disk, not the network: retrying would only fail again (ENOSPC, EROFS, EIO...).
        throw new DownloadError(`cannot write ${file} to ${destination}: ${error.code ?? error.message}`, false);
      });
      options.onProgress?.({ file, received, total: opened.size });
    }
    if (opened.size !== undefined && received !== opened.size) {
      throw new DownloadError(`${backend.describe(release, file)} was cut short: ${received} of ${opened.size} bytes`, true);
    }
    return { size: received, sha256: hash.digest('hex') };
  } catch (error) {
    if (idle.signal.aborted) throw idle.signal.reason;
    if (options.signal?.aborted) throw options.signal.reason;
    if (error instanceof DownloadError) throw error;
    if (error instanceof HttpRequestError) throw new DownloadError(`${backend.describe(release, file)} failed mid-transfer: ${error.reason}`, error.transient);
    const code = (error as { code?: string; cause?: { code?: string } }).code ?? (error as { cause?: { code?: string } }).cause?.code;
    throw new DownloadError(`${backend.describe(release, file)} failed mid-transfer: ${code ?? (error as Error).message}`, true);
  } finally {
    clearTimeout(timer);
    await opened?.close?.();
    await output.close();
  }
}

/** Downloads `file` of `release` into `destination` (overwritten); rejects with the last DownloadError. */
export async function downloadFile(backend: DistributionBackend, release: Release, file: string, destination: string, options: DownloadOptions): Promise<Downloaded> {
  const maxRetryAfterMs = options.maxRetryAfterMs ?? 60_000;
  return pRetry(
    async () => {
      try {
        return await attempt(backend, release, file, destination, options);
      } catch (error) {
        if (error instanceof DownloadError && error.transient) throw error;
        throw new AbortError(error as Error);
      }
    },
    {
      retries: options.retries ?? 4,
      minTimeout: options.minRetryDelayMs ?? 500,
      factor: 2,
      randomize: true,
      signal: options.signal,
      onFailedAttempt: async ({ error, retriesLeft }) => {
        if (retriesLeft <= 0) return;
        const retryAfter = (error as DownloadError).retryAfterMs;
        if (retryAfter !== undefined && retryAfter > maxRetryAfterMs) {
          throw new DownloadError(`${error.message}; the server asks to retry after ${Math.round(retryAfter / 1000)} s, longer than fctl waits`, false);
        }
        options.onRetry?.(`${error.message}; retrying${retryAfter ? ` after ${Math.ceil(retryAfter / 1000)} s (Retry-After)` : ''} (${retriesLeft} attempts left)`);
        if (retryAfter) await sleep(retryAfter, options.signal);
      },
    },
  );
}
