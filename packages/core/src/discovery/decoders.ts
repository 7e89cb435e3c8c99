// How fctl decodes a compressed binary while downloading it (artifacts.json says the format).
// Interim: xz-decompress's WebAssembly decoder, until @fctl-kit/artifacts exports its own.
import { ReadableStream } from 'node:stream/web';
import type { ArtifactEntry } from '@fctl-kit/artifacts';
import type { Decoding } from '@fctl-kit/backends';
import { XzReadableStream } from 'xz-decompress';

export function decoderFor(entry: ArtifactEntry, maxBytes: number): Decoding {
  if (entry.compression !== 'xz') throw new Error(`${entry.name} is compressed as ${JSON.stringify(entry.compression)}, which this fctl cannot decode`);
  return {
    format: 'xz',
    maxBytes,
    decode: (body) => new XzReadableStream(ReadableStream.from(body) as never) as unknown as AsyncIterable<Uint8Array>,
  };
}
