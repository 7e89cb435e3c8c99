export {
  binaryFileName,
  currentPlatform,
  isReleaseFileName,
  platformId,
  platformOf,
  CHECKSUMS_FILE,
  PLATFORMS,
  SIGNATURE_FILE,
  type Arch,
  type Os,
  type Platform,
} from './release-files.js';
export { sha256File } from './sha256.js';
export { decompressXz, DecompressError, type Decompressed, type DecompressOptions, type HashedBytes } from './decompress.js';
export { checksumsOf, formatChecksums, parseChecksums, verifyFileChecksum, ChecksumError } from './checksums.js';
export { generateSigningKey, loadPrivateKey, loadPublicKey, signBlob, signChecksums, signingKeyFrom, verifyBlob, SigningKeyError, type KeyPairPem, type SignatureFile } from './signing.js';
export {
  formatSigstoreBundle,
  parseSigstoreBundle,
  publicKeyHint,
  MAX_SIGSTORE_BUNDLE_BYTES,
  SIGSTORE_BUNDLE_FILE,
  SIGSTORE_BUNDLE_MEDIA_TYPE,
  SigstoreBundleError,
  type SigstoreBundleContent,
} from './sigstore-bundle.js';
export {
  verifyReleaseDirectory,
  verifyChecksumsSignature,
  verifyDirectorySignature,
  verifySignedChecksums,
  ReleaseVerificationError,
  MAX_SIGNATURE_BYTES,
  type ChecksumsSignatures,
  type SignatureFileName,
} from './verify-release.js';
export {
  ARTIFACTS_FILE,
  ARTIFACT_LIST_FORMAT,
  ArtifactListError,
  COMPRESSION_SUFFIX,
  compressedFileName,
  FIXED_NAMES,
  formatArtifactList,
  MAX_ARTIFACT_LIST_BYTES,
  parseArtifactList,
  UNHASHED_KINDS,
  type ArtifactEntry,
  type ArtifactKind,
  type ArtifactList,
  type Compression,
} from './artifact-list.js';
