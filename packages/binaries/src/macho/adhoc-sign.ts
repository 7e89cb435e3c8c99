// Ad-hoc code signing of Mach-O executables, the equivalent of `codesign --sign -` (which does not
// exist on Linux). Apple Silicon refuses to run unsigned arm64 code, and injecting the SEA blob
// removes the runtime's own signature, so every darwin binary is signed again after injection.
import { buildSignature, CS_EXECSEG_MAIN_BINARY, signatureSize } from './code-signature.js';
import { LC_CODE_SIGNATURE, MachOError, MH_EXECUTE, parseMachO, segment, vmPageSize, type MachO } from './macho-file.js';

const CODE_SIGNATURE_COMMAND_SIZE = 16;
const alignUp = (value: number, alignment: number) => Math.ceil(value / alignment) * alignment;

/** The file without its code signature (if any), and the parsed header of that file. */
function unsignedBody(file: Buffer): { body: Buffer; macho: MachO } {
  const macho = parseMachO(file);
  const linkedit = segment(macho, '__LINKEDIT');
  const end = macho.codeSignature ? macho.codeSignature.dataoff : file.length;
  if (macho.codeSignature && macho.codeSignature.dataoff + macho.codeSignature.datasize > file.length) {
    throw new MachOError('the existing code signature extends past the end of the file');
  }
  if (macho.segments.some((s) => s.fileoff > linkedit.fileoff)) throw new MachOError('__LINKEDIT is not the last segment in the file');
  return { body: file.subarray(0, end), macho };
}

/** Signs `input` ad hoc, replacing any signature it has; returns a new buffer. */
export function adhocSign(input: Buffer, identifier: string): Buffer {
  const { body, macho } = unsignedBody(input);
  const linkedit = segment(macho, '__LINKEDIT');
  const text = segment(macho, '__TEXT');
  const codeLimit = alignUp(body.length, 16);
  const datasize = alignUp(signatureSize(codeLimit, identifier), 16);
  const output = Buffer.alloc(codeLimit + datasize);
  body.copy(output);

  let commandOffset = macho.codeSignature?.commandOffset;
  if (commandOffset === undefined) {
    commandOffset = macho.loadCommandsEnd;
    if (commandOffset + CODE_SIGNATURE_COMMAND_SIZE > macho.firstSectionOffset) {
      throw new MachOError('no room after the load commands for LC_CODE_SIGNATURE');
    }
    output.writeUInt32LE(LC_CODE_SIGNATURE, commandOffset);
    output.writeUInt32LE(CODE_SIGNATURE_COMMAND_SIZE, commandOffset + 4);
    output.writeUInt32LE(macho.ncmds + 1, 16);
    output.writeUInt32LE(macho.sizeofcmds + CODE_SIGNATURE_COMMAND_SIZE, 20);
  }
  output.writeUInt32LE(codeLimit, commandOffset + 8);
  output.writeUInt32LE(datasize, commandOffset + 12);

  // __LINKEDIT must cover the signature: it now ends at the end of the file.
  const linkeditSize = codeLimit + datasize - linkedit.fileoff;
  output.writeBigUInt64LE(BigInt(linkeditSize), linkedit.commandOffset + 48);
  const vmsize = BigInt(alignUp(linkeditSize, vmPageSize(macho.cputype)));
  if (vmsize > linkedit.vmsize) output.writeBigUInt64LE(vmsize, linkedit.commandOffset + 32);

  const signature = buildSignature(output, codeLimit, identifier, {
    base: text.fileoff,
    limit: text.filesize,
    flags: macho.filetype === MH_EXECUTE ? CS_EXECSEG_MAIN_BINARY : 0,
  });
  signature.copy(output, codeLimit);
  return output;
}

/** `input` without its code signature (LC_CODE_SIGNATURE kept pointing at nothing is not valid, so it is removed). */
export function removeSignature(input: Buffer): Buffer {
  const { body, macho } = unsignedBody(input);
  if (!macho.codeSignature) return Buffer.from(body);
  const output = Buffer.from(body);
  const { commandOffset } = macho.codeSignature;
  // Shift the following load commands over it and clear the freed tail.
  output.copy(output, commandOffset, commandOffset + CODE_SIGNATURE_COMMAND_SIZE, macho.loadCommandsEnd);
  output.fill(0, macho.loadCommandsEnd - CODE_SIGNATURE_COMMAND_SIZE, macho.loadCommandsEnd);
  output.writeUInt32LE(macho.ncmds - 1, 16);
  output.writeUInt32LE(macho.sizeofcmds - CODE_SIGNATURE_COMMAND_SIZE, 20);
  const linkedit = segment(macho, '__LINKEDIT');
  output.writeBigUInt64LE(BigInt(body.length - linkedit.fileoff), linkedit.commandOffset + 48);
  return output;
}
