// Adding a note to a Linux executable the way Node's SEA lookup reads it: it walks the PT_NOTE
// segments of the running program (dl_iterate_phdr) for a note named NODE_SEA_BLOB. The program
// header table has no free slot and sits right before .interp, so instead of moving it:
//   - the notes (the original ones, then ours) go into a new read-only PT_LOAD appended to the file;
//   - the PT_NOTE entry is pointed at them;
//   - the PT_PHDR entry gives its slot to that PT_LOAD. For a non-PIE executable (ET_EXEC, as the
//     official Node builds are) PT_PHDR only tells the dynamic loader the load bias, which is 0;
//     the kernel passes the table's address (AT_PHDR) from e_phoff either way.
// Anything else (PIE, 32-bit, big-endian, unusual layouts) is refused, and the caller falls back to postject.
export class ElfInjectError extends Error {}

const PT_LOAD = 1;
const PT_NOTE = 4;
const PT_PHDR = 6;
const PF_R = 4;
const ET_EXEC = 2;
const PHDR_SIZE = 56;

interface ProgramHeader {
  type: number;
  flags: number;
  offset: bigint;
  vaddr: bigint;
  paddr: bigint;
  filesz: bigint;
  memsz: bigint;
  align: bigint;
}

function readHeaders(file: Buffer): { phoff: number; headers: ProgramHeader[] } {
  if (file.length < 64 || file.readUInt32BE(0) !== 0x7f454c46) throw new ElfInjectError('not an ELF file');
  if (file[4] !== 2 || file[5] !== 1) throw new ElfInjectError('only 64-bit little-endian ELF files are supported');
  if (file.readUInt16LE(0x10) !== ET_EXEC) throw new ElfInjectError('only non-PIE executables (ET_EXEC) are supported');
  const phoff = Number(file.readBigUInt64LE(0x20));
  if (file.readUInt16LE(0x36) !== PHDR_SIZE) throw new ElfInjectError('unexpected program header size');
  const count = file.readUInt16LE(0x38);
  const headers: ProgramHeader[] = [];
  for (let i = 0; i < count; i++) {
    const at = phoff + i * PHDR_SIZE;
    headers.push({
      type: file.readUInt32LE(at),
      flags: file.readUInt32LE(at + 4),
      offset: file.readBigUInt64LE(at + 8),
      vaddr: file.readBigUInt64LE(at + 16),
      paddr: file.readBigUInt64LE(at + 24),
      filesz: file.readBigUInt64LE(at + 32),
      memsz: file.readBigUInt64LE(at + 40),
      align: file.readBigUInt64LE(at + 48),
    });
  }
  return { phoff, headers };
}

const alignUp = (value: bigint, to: bigint) => ((value + to - 1n) / to) * to;
const pad4 = (n: number) => Math.ceil(n / 4) * 4;

function note(name: string, type: number, desc: Buffer): Buffer {
  const nameBytes = Buffer.from(`${name}\0`);
  const out = Buffer.alloc(12 + pad4(nameBytes.length) + pad4(desc.length));
  out.writeUInt32LE(nameBytes.length, 0);
  out.writeUInt32LE(desc.length, 4);
  out.writeUInt32LE(type, 8);
  nameBytes.copy(out, 12);
  desc.copy(out, 12 + pad4(nameBytes.length));
  return out;
}

/** A copy of `file` carrying a note `name` with `data`, visible to the running program. */
export function addElfNote(file: Buffer, name: string, data: Buffer): Buffer {
  const { phoff, headers } = readHeaders(file);
  const phdrIndex = headers.findIndex((h) => h.type === PT_PHDR);
  const noteHeader = headers.find((h) => h.type === PT_NOTE);
  const loads = headers.filter((h) => h.type === PT_LOAD);
  if (phdrIndex < 0) throw new ElfInjectError('the executable has no PT_PHDR entry to reuse');
  if (!noteHeader) throw new ElfInjectError('the executable has no PT_NOTE segment');
  if (!loads.length) throw new ElfInjectError('the executable has no PT_LOAD segment');

  const pageAlign = loads.reduce((max, h) => (h.align > max ? h.align : max), 1n);
  const originalNotes = file.subarray(Number(noteHeader.offset), Number(noteHeader.offset + noteHeader.filesz));
  const notes = Buffer.concat([originalNotes, Buffer.alloc(pad4(originalNotes.length) - originalNotes.length), note(name, 0, data)]);
  const offset = alignUp(BigInt(file.length), pageAlign);
  const vaddr = alignUp(loads.reduce((max, h) => (h.vaddr + h.memsz > max ? h.vaddr + h.memsz : max), 0n), pageAlign);
  const size = BigInt(notes.length);

  const newLoad: ProgramHeader = { type: PT_LOAD, flags: PF_R, offset, vaddr, paddr: vaddr, filesz: size, memsz: size, align: pageAlign };
  const table = headers.filter((_, i) => i !== phdrIndex).map((h) => (h === noteHeader ? { ...h, offset, vaddr, paddr: vaddr, filesz: size, memsz: size, align: 4n } : h));
  const lastLoad = table.reduce((last, h, i) => (h.type === PT_LOAD ? i : last), -1);
  table.splice(lastLoad + 1, 0, newLoad);

  const out = Buffer.alloc(Number(offset) + notes.length);
  file.copy(out);
  notes.copy(out, Number(offset));
  table.forEach((h, i) => {
    const at = phoff + i * PHDR_SIZE;
    out.writeUInt32LE(h.type, at);
    out.writeUInt32LE(h.flags, at + 4);
    out.writeBigUInt64LE(h.offset, at + 8);
    out.writeBigUInt64LE(h.vaddr, at + 16);
    out.writeBigUInt64LE(h.paddr, at + 24);
    out.writeBigUInt64LE(h.filesz, at + 32);
    out.writeBigUInt64LE(h.memsz, at + 40);
    out.writeBigUInt64LE(h.align, at + 48);
  });
  return out;
}
