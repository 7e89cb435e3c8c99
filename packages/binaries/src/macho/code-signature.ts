// The ad-hoc code signature blob: a SuperBlob holding a SHA-256 CodeDirectory (version 0x20400,
// 4 KiB pages), an empty requirements set and an empty CMS wrapper. All fields are big-endian.
import { createHash } from 'node:crypto';

export const CSMAGIC_EMBEDDED_SIGNATURE = 0xfade0cc0;
export const CSMAGIC_CODEDIRECTORY = 0xfade0c02;
export const CSMAGIC_REQUIREMENTS = 0xfade0c01;
export const CSMAGIC_BLOBWRAPPER = 0xfade0b01;
const CSSLOT_CODEDIRECTORY = 0;
const CSSLOT_REQUIREMENTS = 2;
const CSSLOT_SIGNATURESLOT = 0x10000;
export const CS_ADHOC = 0x2;
export const CS_EXECSEG_MAIN_BINARY = 0x1;
const CS_HASHTYPE_SHA256 = 2;
export const PAGE_SIZE_LOG2 = 12;
export const PAGE_SIZE = 1 << PAGE_SIZE_LOG2;
const HASH_SIZE = 32;
const CODE_DIRECTORY_VERSION = 0x20400;
const CODE_DIRECTORY_HEADER = 88;
/** Special slots: -1 Info.plist (absent, zeros), -2 requirements. */
const SPECIAL_SLOTS = 2;

const EMPTY_REQUIREMENTS = (() => {
  const blob = Buffer.alloc(12);
  blob.writeUInt32BE(CSMAGIC_REQUIREMENTS, 0);
  blob.writeUInt32BE(12, 4);
  return blob;
})();
const EMPTY_CMS_WRAPPER = (() => {
  const blob = Buffer.alloc(8);
  blob.writeUInt32BE(CSMAGIC_BLOBWRAPPER, 0);
  blob.writeUInt32BE(8, 4);
  return blob;
})();

export interface ExecSegment {
  base: number;
  limit: number;
  flags: number;
}

const sha256 = (data: Uint8Array) => createHash('sha256').update(data).digest();

export function pageCount(codeLimit: number): number {
  return Math.ceil(codeLimit / PAGE_SIZE);
}

/** Size of the signature blob for `codeLimit` bytes of code, known before hashing. */
export function signatureSize(codeLimit: number, identifier: string): number {
  const codeDirectory = CODE_DIRECTORY_HEADER + Buffer.byteLength(identifier) + 1 + (SPECIAL_SLOTS + pageCount(codeLimit)) * HASH_SIZE;
  return 12 + 3 * 8 + codeDirectory + EMPTY_REQUIREMENTS.length + EMPTY_CMS_WRAPPER.length;
}

/** Hashes `file[0, codeLimit)` page by page and returns the SuperBlob. */
export function buildSignature(file: Uint8Array, codeLimit: number, identifier: string, execSegment: ExecSegment): Buffer {
  const pages = pageCount(codeLimit);
  const identBytes = Buffer.from(`${identifier}\0`, 'utf8');
  const hashOffset = CODE_DIRECTORY_HEADER + identBytes.length + SPECIAL_SLOTS * HASH_SIZE;
  const length = hashOffset + pages * HASH_SIZE;
  const cd = Buffer.alloc(length);
  cd.writeUInt32BE(CSMAGIC_CODEDIRECTORY, 0);
  cd.writeUInt32BE(length, 4);
  cd.writeUInt32BE(CODE_DIRECTORY_VERSION, 8);
  cd.writeUInt32BE(CS_ADHOC, 12);
  cd.writeUInt32BE(hashOffset, 16);
  cd.writeUInt32BE(CODE_DIRECTORY_HEADER, 20);
  cd.writeUInt32BE(SPECIAL_SLOTS, 24);
  cd.writeUInt32BE(pages, 28);
  cd.writeUInt32BE(codeLimit, 32);
  cd.writeUInt8(HASH_SIZE, 36);
  cd.writeUInt8(CS_HASHTYPE_SHA256, 37);
  cd.writeUInt8(0, 38); // platform
  cd.writeUInt8(PAGE_SIZE_LOG2, 39);
  // spare2, scatterOffset, teamOffset, spare3, codeLimit64 stay zero.
  cd.writeBigUInt64BE(BigInt(execSegment.base), 64);
  cd.writeBigUInt64BE(BigInt(execSegment.limit), 72);
  cd.writeBigUInt64BE(BigInt(execSegment.flags), 80);
  identBytes.copy(cd, CODE_DIRECTORY_HEADER);
  sha256(EMPTY_REQUIREMENTS).copy(cd, hashOffset - CSSLOT_REQUIREMENTS * HASH_SIZE); // slot -2
  for (let page = 0; page < pages; page++) {
    const start = page * PAGE_SIZE;
    sha256(file.subarray(start, Math.min(start + PAGE_SIZE, codeLimit))).copy(cd, hashOffset + page * HASH_SIZE);
  }

  const blobs: Array<[number, Buffer]> = [
    [CSSLOT_CODEDIRECTORY, cd],
    [CSSLOT_REQUIREMENTS, EMPTY_REQUIREMENTS],
    [CSSLOT_SIGNATURESLOT, EMPTY_CMS_WRAPPER],
  ];
  const headerLength = 12 + blobs.length * 8;
  const total = headerLength + blobs.reduce((sum, [, blob]) => sum + blob.length, 0);
  const superBlob = Buffer.alloc(total);
  superBlob.writeUInt32BE(CSMAGIC_EMBEDDED_SIGNATURE, 0);
  superBlob.writeUInt32BE(total, 4);
  superBlob.writeUInt32BE(blobs.length, 8);
  let offset = headerLength;
  blobs.forEach(([type, blob], index) => {
    superBlob.writeUInt32BE(type, 12 + index * 8);
    superBlob.writeUInt32BE(offset, 16 + index * 8);
    blob.copy(superBlob, offset);
    offset += blob.length;
  });
  return superBlob;
}

export interface ParsedCodeDirectory {
  version: number;
  flags: number;
  hashType: number;
  pageSizeLog2: number;
  codeLimit: number;
  identifier: string;
  nSpecialSlots: number;
  execSegment?: ExecSegment;
  /** Code page hashes, slot 0 upwards. */
  pageHashes: Buffer[];
  /** Special slot hashes by slot number (1 = Info.plist, 2 = requirements, ...). */
  specialHashes: Map<number, Buffer>;
}

export interface ParsedSignature {
  blobs: Array<{ type: number; magic: number; offset: number; length: number }>;
  codeDirectories: ParsedCodeDirectory[];
}

/** Reads a SuperBlob (ours or Apple's) for verification. */
export function parseSignature(blob: Buffer): ParsedSignature {
  if (blob.readUInt32BE(0) !== CSMAGIC_EMBEDDED_SIGNATURE) throw new Error('not an embedded signature SuperBlob');
  const count = blob.readUInt32BE(8);
  const blobs = [];
  const codeDirectories: ParsedCodeDirectory[] = [];
  for (let i = 0; i < count; i++) {
    const type = blob.readUInt32BE(12 + i * 8);
    const offset = blob.readUInt32BE(16 + i * 8);
    const magic = blob.readUInt32BE(offset);
    const length = blob.readUInt32BE(offset + 4);
    blobs.push({ type, magic, offset, length });
    if (magic !== CSMAGIC_CODEDIRECTORY) continue;
    const cd = blob.subarray(offset, offset + length);
    const version = cd.readUInt32BE(8);
    const hashOffset = cd.readUInt32BE(16);
    const identOffset = cd.readUInt32BE(20);
    const nSpecialSlots = cd.readUInt32BE(24);
    const nCodeSlots = cd.readUInt32BE(28);
    const hashSize = cd.readUInt8(36);
    const specialHashes = new Map<number, Buffer>();
    for (let slot = 1; slot <= nSpecialSlots; slot++) specialHashes.set(slot, cd.subarray(hashOffset - slot * hashSize, hashOffset - (slot - 1) * hashSize));
    codeDirectories.push({
      version,
      flags: cd.readUInt32BE(12),
      hashType: cd.readUInt8(37),
      pageSizeLog2: cd.readUInt8(39),
      codeLimit: cd.readUInt32BE(32),
      identifier: cd.toString('utf8', identOffset, cd.indexOf(0, identOffset)),
      nSpecialSlots,
      execSegment:
        version >= 0x20400
          ? { base: Number(cd.readBigUInt64BE(64)), limit: Number(cd.readBigUInt64BE(72)), flags: Number(cd.readBigUInt64BE(80)) }
          : undefined,
      pageHashes: Array.from({ length: nCodeSlots }, (_, page) => cd.subarray(hashOffset + page * hashSize, hashOffset + (page + 1) * hashSize)),
      specialHashes,
    });
  }
  return { blobs, codeDirectories };
}
