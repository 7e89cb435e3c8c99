// Removing the Authenticode signature of a PE (Windows) executable. node.exe ships signed; the
// SEA injection adds a resource, which would leave the certificate table pointing at garbage, so
// the signature is removed first (what `osslsigncode remove-signature` does) and the PE checksum
// recomputed.
const PE32_PLUS = 0x20b;
const PE32 = 0x10b;
const CERTIFICATE_TABLE_INDEX = 4;

export class PeError extends Error {}

interface PeLayout {
  optionalHeader: number;
  checksumOffset: number;
  certificateEntry: number;
}

function layout(file: Buffer): PeLayout {
  if (file.length < 0x40 || file.toString('latin1', 0, 2) !== 'MZ') throw new PeError('not a PE file: no MZ header');
  const pe = file.readUInt32LE(0x3c);
  if (pe + 24 > file.length || file.toString('latin1', pe, pe + 4) !== 'PE\0\0') throw new PeError('not a PE file: no PE signature');
  const optionalHeader = pe + 24;
  const magic = file.readUInt16LE(optionalHeader);
  if (magic !== PE32_PLUS && magic !== PE32) throw new PeError(`unknown optional header magic 0x${magic.toString(16)}`);
  const directories = optionalHeader + (magic === PE32_PLUS ? 112 : 96);
  const count = file.readUInt32LE(directories - 4);
  if (count <= CERTIFICATE_TABLE_INDEX) throw new PeError('the PE file has no certificate table entry');
  return { optionalHeader, checksumOffset: optionalHeader + 64, certificateEntry: directories + CERTIFICATE_TABLE_INDEX * 8 };
}

/** The PE checksum (as in imagehlp's CheckSumMappedFile): 16-bit one's-complement sum plus the length. */
export function peChecksum(file: Buffer, checksumOffset = layout(file).checksumOffset): number {
  let sum = 0;
  const words = Math.floor(file.length / 2);
  for (let i = 0; i < words; i++) {
    const offset = i * 2;
    if (offset === checksumOffset || offset === checksumOffset + 2) continue;
    sum += file.readUInt16LE(offset);
    sum = (sum & 0xffff) + (sum >>> 16);
  }
  if (file.length % 2) {
    sum += file[file.length - 1]!;
    sum = (sum & 0xffff) + (sum >>> 16);
  }
  sum = (sum & 0xffff) + (sum >>> 16);
  return (sum + file.length) >>> 0;
}

export function certificateTable(file: Buffer): { offset: number; size: number } {
  const { certificateEntry } = layout(file);
  return { offset: file.readUInt32LE(certificateEntry), size: file.readUInt32LE(certificateEntry + 4) };
}

/** A copy of `file` without its Authenticode signature, with a correct checksum. */
export function removeAuthenticode(file: Buffer): Buffer {
  const { certificateEntry, checksumOffset } = layout(file);
  const { offset, size } = certificateTable(file);
  let output = Buffer.from(file);
  if (size > 0) {
    if (offset + size !== file.length && offset + alignTo8(size) !== file.length) {
      throw new PeError('the certificate table is not at the end of the file; refusing to cut it out');
    }
    output = output.subarray(0, offset);
    output.writeUInt32LE(0, certificateEntry);
    output.writeUInt32LE(0, certificateEntry + 4);
  }
  output.writeUInt32LE(peChecksum(output, checksumOffset), checksumOffset);
  return output;
}

const alignTo8 = (n: number) => Math.ceil(n / 8) * 8;
