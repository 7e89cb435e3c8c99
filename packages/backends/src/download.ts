// Downloading one release file from one source (any backend's SourceFiles): bounded size, a stall
// timeout, retries with backoff for transient failures (honouring Retry-After), progress events,
// and the sha256 of what was received - and, for a compressed file decoded on the way, of what was
// written too. The caller decides where (a temporary path) and verifies before using it.
import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';
import { HttpRequestError } from '@fctl-kit/http';
import pRetry, { AbortError } from 'p-retry';
import { DownloadError, type OpenedFile, type SourceFiles } from './distribution-backend.js';

export interface DownloadProgress {
  file: string;
  /** Bytes received (compressed, for a decoded download). */
  received: number;
  total?: number;
}

/** A decoder the body goes through before it is written (e.g. xz). */
export interface Decoding {
  /** For messages: "xz". */
  format: string;
  /** The most bytes the decoded file may have (a small file can decode to a huge one). */
  maxBytes: number;
  /**
   * Decodes `body`, awaiting `write` with each decoded piece, never more than `maxBytes` in all;
   * returns the decoded size and sha256. Throws (naming `source`) on bytes that do not decode.
   */
  decode(body: AsyncIterable<Uint8Array>, write: (chunk: Uint8Array) => Promise<void>, options: { source: string; maxBytes: number; signal: AbortSignal }): Promise<{ size: number; sha256: string }>;
}

export interface DownloadOptions {
  /** The most bytes received (for a decoded download: compressed bytes). */
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
  /** Write the decoded body instead of the received bytes. */
  decoding?: Decoding;
}

export interface Downloaded {
  /** Size and sha256 of the bytes received. */
  size: number;
  sha256: string;
  /** With `decoding`: size and sha256 of the decoded bytes (what was written). */
  decoded?: { size: number; sha256: string };
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => (clearTimeout(timer), reject(signal.reason)), { once: true });
  });

async function attempt(files: SourceFiles, file: string, destination: string, options: DownloadOptions): Promise<Downloaded> {
  const idleMs = options.idleTimeoutMs ?? 30_000;
  const idle = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, idle.signal]) : idle.signal;
  const where = () => files.describe(file);
  let timer: NodeJS.Timeout | undefined;
  const armIdle = () => {
    clearTimeout(timer);
    timer = setTimeout(() => idle.abort(new DownloadError(`${where()} stalled: no data for ${idleMs / 1000} s`, true)), idleMs);
  };
  const output = await open(destination, 'w', 0o600);
  let opened: OpenedFile | undefined;
  // What the received bytes did wrong (a limit, a cut), as opposed to the decoder refusing them.
  let receiveError: unknown;
  try {
    // Until the response starts, the HTTP layer's connect and response timeouts bound the wait;
    // from there on, this stall timer bounds the transfer into the file.
    opened = await files.open(file, signal);
    armIdle();
    const announced = opened.size;
    if (announced !== undefined && announced > options.maxBytes) {
      throw new DownloadError(`${where()} is ${announced} bytes, over the limit of ${options.maxBytes}`, false);
    }
    const hash = createHash('sha256');
    let received = 0;
    const body = opened.body;
    async function* receive(): AsyncIterable<Uint8Array> {
      try {
        options.onProgress?.({ file, received, total: announced });
        for await (const chunk of body) {
          armIdle();
          received += chunk.byteLength;
          if (received > options.maxBytes) throw new DownloadError(`${where()} exceeds the limit of ${options.maxBytes} bytes`, false);
          hash.update(chunk);
          yield chunk;
          options.onProgress?.({ file, received, total: announced });
        }
        if (announced !== undefined && received !== announced) throw new DownloadError(`${where()} was cut short: ${received} of ${announced} bytes`, true);
      } catch (error) {
        receiveError = error;
        throw error;
      }
    }
    const write = async (chunk: Uint8Array): Promise<void> => {
      await output.write(chunk).catch((error: NodeJS.ErrnoException) => {
        // The local disk, not the network: retrying would only fail again (ENOSPC, EROFS, EIO...).
        throw new DownloadError(`cannot write ${file} to ${destination}: ${error.code ?? error.message}`, false);
      });
    };
    const { decoding } = options;
    if (!decoding) {
      for await (const chunk of receive()) await write(chunk);
      return { size: received, sha256: hash.digest('hex') };
    }
    let decoded: { size: number; sha256: string };
    try {
      decoded = await decoding.decode(receive(), write, { source: where(), maxBytes: decoding.maxBytes, signal });
    } catch (error) {
      if (receiveError !== undefined || error instanceof DownloadError || signal.aborted) throw error;
      // The bytes do not decode (corrupt, a bomb): another attempt would get the same bytes.
      throw new DownloadError((error as Error).message, false);
    }
    return { size: received, sha256: hash.digest('hex'), decoded };
  } catch (error) {
    if (idle.signal.aborted) throw idle.signal.reason;
    if (options.signal?.aborted) throw options.signal.reason;
    if (error instanceof DownloadError) throw error;
    if (error instanceof HttpRequestError) throw new DownloadError(`${where()} failed mid-transfer: ${error.reason}`, error.transient);
    const code = (error as { code?: string; cause?: { code?: string } }).code ?? (error as { cause?: { code?: string } }).cause?.code;
    throw new DownloadError(`${where()} failed mid-transfer: ${code ?? (error as Error).message}`, true);
  } finally {
    clearTimeout(timer);
    await opened?.close?.();
    await output.close();
  }
}

/** Downloads `file` from `files` into `destination` (overwritten); rejects with the last DownloadError. */
export async function downloadFile(files: SourceFiles, file: string, destination: string, options: DownloadOptions): Promise<Downloaded> {
  const maxRetryAfterMs = options.maxRetryAfterMs ?? 60_000;
  return pRetry(
    async () => {
      try {
        return await attempt(files, file, destination, options);
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
