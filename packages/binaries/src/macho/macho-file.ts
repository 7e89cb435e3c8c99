// Reading and patching the parts of a 64-bit little-endian Mach-O executable that code signing
// touches: the header, segment load commands and LC_CODE_SIGNATURE.
export const MH_MAGIC_64 = 0xfeedfacf;
const FAT_MAGIC = 0xcafebabe;
export const LC_SEGMENT_64 = 0x19;
export const LC_CODE_SIGNATURE = 0x1d;
export const MH_EXECUTE = 0x2;
export const CPU_TYPE_ARM64 = 0x0100000c;
export const CPU_TYPE_X86_64 = 0x01000007;
const HEADER_SIZE = 32;

export interface Segment {
  name: string;
  /** Offset of its load command in the file. */
  commandOffset: number;
  vmaddr: bigint;
  vmsize: bigint;
  fileoff: number;
  filesize: number;
}

export interface CodeSignatureCommand {
  commandOffset: number;
  dataoff: number;
  datasize: number;
}

export interface MachO {
  cputype: number;
  filetype: number;
  ncmds: number;
  sizeofcmds: number;
  segments: Segment[];
  codeSignature?: CodeSignatureCommand;
  /** First byte after the load commands. */
  loadCommandsEnd: number;
  /** Lowest file offset of section data: load commands must end before it. */
  firstSectionOffset: number;
}

export class MachOError extends Error {}

export function parseMachO(file: Buffer): MachO {
  if (file.length < HEADER_SIZE) throw new MachOError('not a Mach-O file: too short');
  const magic = file.readUInt32LE(0);
  if (file.readUInt32BE(0) === FAT_MAGIC) throw new MachOError('universal (fat) Mach-O files are not supported: sign each architecture');
  if (magic !== MH_MAGIC_64) throw new MachOError(`not a 64-bit little-endian Mach-O file (magic 0x${magic.toString(16)})`);
  const cputype = file.readInt32LE(4);
  const filetype = file.readUInt32LE(12);
  const ncmds = file.readUInt32LE(16);
  const sizeofcmds = file.readUInt32LE(20);
  const segments: Segment[] = [];
  let codeSignature: CodeSignatureCommand | undefined;
  let firstSectionOffset = file.length;
  let offset = HEADER_SIZE;
  for (let i = 0; i < ncmds; i++) {
    if (offset + 8 > file.length) throw new MachOError('truncated load commands');
    const cmd = file.readUInt32LE(offset);
    const cmdsize = file.readUInt32LE(offset + 4);
    if (cmdsize < 8 || offset + cmdsize > file.length) throw new MachOError(`load command ${i} has an invalid size ${cmdsize}`);
    if (cmd === LC_SEGMENT_64) {
      const name = file.toString('latin1', offset + 8, offset + 24).replace(/\0+$/, '');
      segments.push({
        name,
        commandOffset: offset,
        vmaddr: file.readBigUInt64LE(offset + 24),
        vmsize: file.readBigUInt64LE(offset + 32),
        fileoff: Number(file.readBigUInt64LE(offset + 40)),
        filesize: Number(file.readBigUInt64LE(offset + 48)),
      });
      const nsects = file.readUInt32LE(offset + 64);
      for (let s = 0; s < nsects; s++) {
        const section = offset + 72 + s * 80;
        const sectionOffset = file.readUInt32LE(section + 48);
        const sectionSize = file.readBigUInt64LE(section + 40);
        if (sectionOffset > 0 && sectionSize > 0n) firstSectionOffset = Math.min(firstSectionOffset, sectionOffset);
      }
    } else if (cmd === LC_CODE_SIGNATURE) {
      codeSignature = { commandOffset: offset, dataoff: file.readUInt32LE(offset + 8), datasize: file.readUInt32LE(offset + 12) };
    }
    offset += cmdsize;
  }
  if (offset - HEADER_SIZE !== sizeofcmds) throw new MachOError('sizeofcmds does not match the load commands');
  return { cputype, filetype, ncmds, sizeofcmds, segments, codeSignature, loadCommandsEnd: offset, firstSectionOffset };
}

export function segment(macho: MachO, name: string): Segment {
  const found = macho.segments.find((s) => s.name === name);
  if (!found) throw new MachOError(`no ${name} segment`);
  return found;
}

/** VM page size of the architecture: segments are aligned to it. */
export function vmPageSize(cputype: number): number {
  return cputype === CPU_TYPE_ARM64 ? 0x4000 : 0x1000;
}
