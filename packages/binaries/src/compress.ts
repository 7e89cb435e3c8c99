// The compressed copy of each binary (<binary>.xz), what fctl downloads when it is there. xz (LZMA2)
// because it is the smallest of the standard formats for these binaries (a Node runtime and an
// embedded bundle: 125 MB -> 29 MB at preset 6, where gzip -9 leaves 45 MB), `xz -d` decodes it
// everywhere, and fctl decodes it without native code (xz-decompress, WebAssembly).
//
// Same input, same preset: same bytes. liblzma's encoder has no clock or randomness in it, and the
// multi-threaded encoder cuts the input into blocks whose size comes from the preset alone, so the
// output is the same whatever the number of threads (1 on a small machine, more on a large one).
import { availableParallelism } from 'node:os';
import { createReadStream, createWriteStream } from 'node:fs';
import { createRequire } from 'node:module';
import type { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/** The part of lzma-native (native code, no published types) the build uses. */
interface LzmaNative {
  createCompressor(options: { preset: number; check: number; threads: number }): Transform;
  CHECK_CRC64: number;
}

// Loaded when a build compresses, never bundled: its prebuilt native library is found beside its
// own files (a bundle would move its code away from them).
let loaded: LzmaNative | undefined;
const lzmaNative = (): LzmaNative => (loaded ??= createRequire(import.meta.url)('lzma-native') as LzmaNative);

/** An xz preset (0 fastest .. 9 smallest), or no compressed copies at all. */
export type CompressionSetting = { preset: number } | 'none';

/** What a release gets unless told otherwise: <= 30 MB per platform for the example plugin. */
export const DEFAULT_COMPRESSION: CompressionSetting = { preset: 6 };

/** `--compression` and FCTL_KIT_COMPRESSION: "0".."9" or "none". */
export function parseCompression(value: string, from = '--compression'): CompressionSetting {
  const text = value.trim();
  if (text === 'none') return 'none';
  if (/^[0-9]$/.test(text)) return { preset: Number(text) };
  throw new Error(`${from} must be an xz preset 0 (fastest) to 9 (smallest) or "none"; got ${JSON.stringify(value)}`);
}

export const formatCompression = (setting: CompressionSetting): string => (setting === 'none' ? 'none' : `xz preset ${setting.preset}`);

/**
 * Writes `output`, the xz compression of `input` (CRC64 check, as the xz tool writes), on `threads`
 * threads (default: every CPU). Always the multi-threaded encoder, even on one thread: its blocks
 * are what makes the bytes independent of the thread count (and lzma-native's single-threaded path
 * would read preset 0 as "default").
 */
export async function compressFile(input: string, output: string, preset: number, threads = availableParallelism()): Promise<void> {
  if (!Number.isInteger(preset) || preset < 0 || preset > 9) throw new Error(`an xz preset is 0 to 9, not ${preset}`);
  const lzma = lzmaNative();
  await pipeline(createReadStream(input), lzma.createCompressor({ preset, check: lzma.CHECK_CRC64, threads: Math.max(1, threads) }), createWriteStream(output, { mode: 0o644 }));
}
