// artifacts.json: the typed list of a release's files, written by the build beside checksums.txt and
// listed in it (so the signature covers it). Publishers, OCI annotations, registry entries and the
// installer filter it by kind and platform instead of recovering them from file names.
import type { Arch, Os } from './release-files.js';

export const ARTIFACTS_FILE = 'artifacts.json';
export const ARTIFACT_LIST_FORMAT = 'fctl-plugin-artifacts/v1';

export type ArtifactKind =
  /** An executable plugin for one platform. */
  | 'binary'
  /** A binary compressed (see `compression`): what fctl downloads when it is there. */
  | 'compressed-binary'
  /** The plugin bundle (JavaScript) every binary embeds. */
  | 'bundle'
  | 'source-map'
  /** manifest.json: the plugin's manifest as its binaries report it. */
  | 'manifest'
  /** The compatibility scenarios the release was tested with. */
  | 'scenarios'
  | 'checksums'
  /** checksums.txt.sig: the detached signature (cosign's legacy form). */
  | 'signature'
  /** checksums.txt.sigstore.json: the same signature as a Sigstore bundle. */
  | 'sigstore-bundle';

export interface ArtifactEntry {
  name: string;
  kind: ArtifactKind;
  /** binary and compressed-binary only. */
  os?: Os;
  arch?: Arch;
  /**
   * Size and sha256 of the file. Absent for checksums.txt and what signs it (they cannot be
   * listed inside a file checksums.txt covers).
   */
  size?: number;
  sha256?: string;
  /** compressed-binary only: the format, and the name of the binary it decompresses to. */
  compression?: 'xz';
  contains?: string;
}

export interface ArtifactList {
  format: typeof ARTIFACT_LIST_FORMAT;
  name: string;
  version: string;
  artifacts: ArtifactEntry[];
}
