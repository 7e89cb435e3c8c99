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
export { checksumsOf, formatChecksums, parseChecksums, verifyFileChecksum, ChecksumError } from './checksums.js';
export { generateSigningKey, loadPrivateKey, loadPublicKey, signBlob, signingKeyFrom, verifyBlob, SigningKeyError, type KeyPairPem } from './signing.js';
export { verifyReleaseDirectory, verifyChecksumsSignature, verifyDirectorySignature, ReleaseVerificationError } from './verify-release.js';
export { ARTIFACTS_FILE, ARTIFACT_LIST_FORMAT, type ArtifactEntry, type ArtifactKind, type ArtifactList } from './artifact-list.js';
