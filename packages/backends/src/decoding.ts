// How a compressed binary is decoded while it is downloaded (artifacts.json says the format): the
// installer and `fctl-kit registry validate --check-artifacts` decode the same way.
import { decompressXz, type ArtifactEntry } from '@fctl-kit/artifacts';
import type { Decoding } from './download.js';

/** The decoder of `entry`'s compression, its output bounded by `maxBytes` (the size of the binary it contains). */
export function decodingFor(entry: ArtifactEntry, maxBytes: number): Decoding {
  if (entry.compression !== 'xz') throw new Error(`${entry.name} is compressed as ${JSON.stringify(entry.compression)}, which this version cannot decode`);
  return {
    format: 'xz',
    maxBytes,
    decode: async (body, write, options) => (await decompressXz(body, write, options)).decompressed,
  };
}
