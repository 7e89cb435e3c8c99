export { adhocSign, removeSignature } from './adhoc-sign.js';
export { verifyAdhocSignature, type SignatureReport } from './verify.js';
export { parseSignature, type ParsedCodeDirectory } from './code-signature.js';
export { parseMachO, MachOError } from './macho-file.js';
