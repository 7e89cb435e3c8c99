// Checks an ad-hoc signature the way the kernel would: the load commands that locate it, and the
// hash of every page it covers.
import { createHash } from 'node:crypto';
import { CS_ADHOC, CSMAGIC_REQUIREMENTS, PAGE_SIZE, PAGE_SIZE_LOG2, parseSignature, pageCount } from './code-signature.js';
import { parseMachO, segment } from './macho-file.js';

export interface SignatureReport {
  identifier: string;
  codeLimit: number;
  pages: number;
  problems: string[];
}

export function verifyAdhocSignature(file: Buffer): SignatureReport {
  const problems: string[] = [];
  const macho = parseMachO(file);
  const command = macho.codeSignature;
  if (!command) return { identifier: '', codeLimit: 0, pages: 0, problems: ['no LC_CODE_SIGNATURE load command'] };
  const linkedit = segment(macho, '__LINKEDIT');
  const text = segment(macho, '__TEXT');
  if (command.dataoff % 16 !== 0) problems.push(`the signature offset ${command.dataoff} is not 16-byte aligned`);
  if (command.dataoff + command.datasize !== file.length) problems.push('the signature does not end at the end of the file');
  if (linkedit.fileoff + linkedit.filesize !== command.dataoff + command.datasize) problems.push('__LINKEDIT does not cover the signature');
  if (BigInt(linkedit.filesize) > linkedit.vmsize) problems.push('__LINKEDIT vmsize is smaller than its filesize');

  const signature = parseSignature(file.subarray(command.dataoff, command.dataoff + command.datasize));
  const [cd, ...others] = signature.codeDirectories;
  if (!cd) return { identifier: '', codeLimit: 0, pages: 0, problems: [...problems, 'no CodeDirectory'] };
  if (others.length) problems.push('more than one CodeDirectory');
  if (cd.hashType !== 2) problems.push(`hash type ${cd.hashType} is not SHA-256`);
  if (cd.pageSizeLog2 !== PAGE_SIZE_LOG2) problems.push(`page size 2^${cd.pageSizeLog2} is not 4096`);
  if (!(cd.flags & CS_ADHOC)) problems.push('the CodeDirectory is not flagged ad hoc');
  if (cd.codeLimit !== command.dataoff) problems.push(`codeLimit ${cd.codeLimit} is not the signature offset ${command.dataoff}`);
  if (cd.pageHashes.length !== pageCount(cd.codeLimit)) problems.push(`${cd.pageHashes.length} page hashes for ${pageCount(cd.codeLimit)} pages`);
  if (!cd.execSegment || cd.execSegment.base !== text.fileoff || cd.execSegment.limit !== text.filesize) problems.push('the exec segment does not match __TEXT');
  cd.pageHashes.forEach((expected, page) => {
    const start = page * PAGE_SIZE;
    const actual = createHash('sha256').update(file.subarray(start, Math.min(start + PAGE_SIZE, cd.codeLimit))).digest();
    if (!actual.equals(expected)) problems.push(`page ${page} hash mismatch`);
  });
  const requirements = signature.blobs.find((blob) => blob.magic === CSMAGIC_REQUIREMENTS);
  if (requirements) {
    const bytes = file.subarray(command.dataoff + requirements.offset, command.dataoff + requirements.offset + requirements.length);
    if (!createHash('sha256').update(bytes).digest().equals(cd.specialHashes.get(2) ?? Buffer.alloc(0))) problems.push('requirements hash mismatch');
  }
  return { identifier: cd.identifier, codeLimit: cd.codeLimit, pages: cd.pageHashes.length, problems };
}
