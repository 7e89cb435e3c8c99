// Decoding a downloaded <binary>.xz (untrusted until both hashes match what the signed checksums.txt
// says): the decompressed bytes are handed on as they come, while the compressed and the
// decompressed bytes are each hashed and counted. The decoder is xz-decompress (xz-embedded compiled
// to WebAssembly: no native code, so fctl decodes it on every platform it runs on).
//
// Hostile input is stopped, not trusted: a stream that decompresses past `maxBytes` (an xz bomb) is
// stopped at the bound, before the bytes over it are handed on; a truncated or corrupt stream, an
// empty file, something that is not xz, and bytes after the end of the last stream that are not
// stream padding are refused with an error naming `source`. Concatenated streams decode as one file,
// as `xz -d` decodes them (the build writes one stream; both hashes are checked either way).
import { createHash } from 'node:crypto';

/** An xz stream starts with these six bytes. */
const XZ_MAGIC = Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]);
/** ... and ends with a 12-byte footer whose last two bytes are "YZ". */
const FOOTER_BYTES = 12;

export class DecompressError extends Error {
  override name = 'DecompressError';
}

export interface DecompressOptions {
  /** Where the bytes come from, for messages (a URL without credentials, a file name). */
  source: string;
  /** The most decompressed bytes accepted (e.g. the size artifacts.json gives the binary). */
  maxBytes: number;
  signal?: AbortSignal;
}

export interface HashedBytes {
  size: number;
  sha256: string;
}

export interface Decompressed {
  compressed: HashedBytes;
  decompressed: HashedBytes;
}

interface XzModule {
  XzReadableStream: new (compressed: ReadableStream<Uint8Array>) => ReadableStream<Uint8Array>;
}

// Loaded on first use: the module embeds its WebAssembly as text, which fctl need not parse at start-up.
let decoder: Promise<XzModule> | undefined;
// xz-decompress is CommonJS: Node and esbuild give its exports as `default` (vitest also lifts them).
const loadDecoder = (): Promise<XzModule> =>
  (decoder ??= import('xz-decompress').then((loaded: unknown) => ((loaded as { default?: XzModule }).default ?? loaded) as XzModule));

/**
 * The compressed input as the decoder reads it, hashed and counted as it passes, the last
 * FOOTER_BYTES held back and given as a chunk of their own: a stream ending where the input ends
 * needs them, so a decoder done before it asked for them stopped at an earlier end, leaving bytes
 * it never looked at (refused).
 */
function compressedSource(input: AsyncIterable<Uint8Array>, source: string) {
  const hash = createHash('sha256');
  const state = { size: 0, ended: false, tailRead: false };
  const iterator = input[Symbol.asyncIterator]();
  let held: Buffer = Buffer.alloc(0);
  let checkedMagic = false;
  const stream = new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        for (;;) {
          if (state.ended) {
            if (state.tailRead) return controller.close();
            state.tailRead = true;
            if (held.length) return controller.enqueue(held);
            return controller.close();
          }
          const next = await iterator.next();
          if (next.done) {
            state.ended = true;
            if (state.size === 0) throw new DecompressError(`${source} is empty: not an xz stream`);
            if (!checkedMagic) throw new DecompressError(`${source} is not an xz stream (it does not start with the xz magic bytes)`);
            continue;
          }
          const chunk = Buffer.from(next.value.buffer, next.value.byteOffset, next.value.byteLength);
          if (!chunk.length) continue;
          hash.update(chunk);
          state.size += chunk.length;
          held = held.length ? Buffer.concat([held, chunk]) : chunk;
          if (!checkedMagic && held.length >= XZ_MAGIC.length) {
            if (!held.subarray(0, XZ_MAGIC.length).equals(XZ_MAGIC)) throw new DecompressError(`${source} is not an xz stream (it does not start with the xz magic bytes)`);
            checkedMagic = true;
          }
          if (held.length > FOOTER_BYTES) {
            const ready = held.subarray(0, held.length - FOOTER_BYTES);
            held = Buffer.from(held.subarray(held.length - FOOTER_BYTES));
            return controller.enqueue(ready);
          }
        }
      },
      async cancel() {
        await iterator.return?.();
      },
    },
    // Nothing read ahead: a pull is the decoder asking for more.
    { highWaterMark: 0 },
  );
  /** Reads what the decoder left, for the hash and the count; true when there was any. */
  const drain = async (): Promise<boolean> => {
    let extra = state.tailRead ? 0 : held.length;
    for (let next = await iterator.next(); !next.done; next = await iterator.next()) {
      hash.update(next.value);
      state.size += next.value.byteLength;
      extra += next.value.byteLength;
    }
    return extra > 0;
  };
  return { stream, state, hash, drain };
}

/**
 * Decompresses the xz stream `input`, calling `write` with each piece of the decompressed bytes (in
 * order, awaited: backpressure), and returns the size and sha256 of both sides. Throws a
 * DecompressError (or what `write` or the input throws); `write` never receives more than
 * `maxBytes` in total.
 */
export async function decompressXz(input: AsyncIterable<Uint8Array>, write: (chunk: Uint8Array) => unknown, options: DecompressOptions): Promise<Decompressed> {
  const { source, maxBytes } = options;
  const { XzReadableStream } = await loadDecoder();
  const compressed = compressedSource(input, source);
  const reader = new XzReadableStream(compressed.stream).getReader();
  const hash = createHash('sha256');
  let size = 0;
  // The decoder holds a process-wide lock until its stream ends, fails or is cancelled: cancelled
  // here whenever this stops reading before either.
  let settled = false;
  const abort = () => (settled ? Promise.resolve() : ((settled = true), reader.cancel().catch(() => {})));
  options.signal?.addEventListener('abort', abort, { once: true });
  try {
    for (;;) {
      options.signal?.throwIfAborted();
      let next: Awaited<ReturnType<typeof reader.read>>;
      try {
        next = await reader.read();
      } catch (error) {
        settled = true;
        if (error instanceof DecompressError) throw error;
        options.signal?.throwIfAborted();
        throw compressed.state.ended
          ? new DecompressError(`${source} ends before its xz stream does (truncated): ${(error as Error).message}`)
          : new DecompressError(`${source} is not a valid xz stream (corrupt): ${(error as Error).message}`);
      }
      if (next.done) {
        settled = true;
        break;
      }
      if (!next.value.byteLength) continue;
      if (size + next.value.byteLength > maxBytes) {
        await abort();
        throw new DecompressError(`${source} decompresses to more than ${maxBytes} bytes, the most expected: refused (an xz bomb, or not the file it should be)`);
      }
      size += next.value.byteLength;
      hash.update(next.value);
      await write(next.value);
    }
    if (!compressed.state.tailRead || (await compressed.drain())) {
      throw new DecompressError(`${source} has bytes after the end of its xz stream: refused`);
    }
    return {
      compressed: { size: compressed.state.size, sha256: compressed.hash.digest('hex') },
      decompressed: { size, sha256: hash.digest('hex') },
    };
  } finally {
    options.signal?.removeEventListener('abort', abort);
    await abort();
  }
}
