// The OCI artifact of a plugin release (ORAS-compatible): one image manifest with artifactType
// application/vnd.fctl.plugin.v1, the empty config, one layer per file (titled with its file name,
// as ORAS names pulled files), and annotations for the plugin. Tag = version. Every layer's media
// type and platform come from the release's typed files (artifacts.json), never from a file name.
//
// The project's own annotation keys are namespaced in reverse-DNS form, as the OCI image spec asks,
// under the project's schema domain fctl-plugin-kit.dev: dev.fctl-plugin-kit.*. No mode is
// annotated: no OCI client reads one (`oras pull` writes every file 0644); see docs/publishing.md.
import { createHash } from 'node:crypto';
import { ARTIFACTS_FILE, type ArtifactKind } from '@fctl-kit/artifacts';
import type { ReleaseArtifacts } from '../distribution-backend.js';
import { MANIFEST_TYPE } from './client.js';

export const ARTIFACT_TYPE = 'application/vnd.fctl.plugin.v1';
export const EMPTY_CONFIG = {
  mediaType: 'application/vnd.oci.empty.v1+json',
  digest: 'sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a',
  size: 2,
  data: 'e30=',
} as const;

/** The standard keys (OCI image spec, annotations.md). */
export const TITLE = 'org.opencontainers.image.title';
export const VERSION = 'org.opencontainers.image.version';

/** This project's keys: reverse-DNS of fctl-plugin-kit.dev. */
export const ANNOTATION_PREFIX = 'dev.fctl-plugin-kit.';
export const ANNOTATIONS = {
  /** Manifest: the plugin's name, version, service and the service versions it works with. */
  name: `${ANNOTATION_PREFIX}plugin.name`,
  version: `${ANNOTATION_PREFIX}plugin.version`,
  service: `${ANNOTATION_PREFIX}plugin.service`,
  compatibleWith: `${ANNOTATION_PREFIX}plugin.compatible-with`,
  /** Layer (binary, compressed-binary): "os/arch", as OCI platforms are written. */
  platform: `${ANNOTATION_PREFIX}platform`,
  /** Layer (compressed-binary): the binary it decompresses to. */
  contains: `${ANNOTATION_PREFIX}contains`,
} as const;

/**
 * Each kind of file its media type. The Sigstore bundle has Sigstore's own; a compressed binary is
 * the binary's type with the compression as a suffix, as OCI writes layer.v1.tar+gzip.
 */
export const LAYER_MEDIA_TYPES: Record<ArtifactKind | 'artifact-list', string> = {
  binary: 'application/vnd.fctl.plugin.binary.v1',
  'compressed-binary': 'application/vnd.fctl.plugin.binary.v1+xz',
  bundle: 'application/vnd.fctl.plugin.bundle.v1',
  'source-map': 'application/vnd.fctl.plugin.source-map.v1+json',
  manifest: 'application/vnd.fctl.plugin.manifest.v1+json',
  scenarios: 'application/vnd.fctl.plugin.scenarios.v1+yaml',
  'artifact-list': 'application/vnd.fctl.plugin.artifacts.v1+json',
  checksums: 'application/vnd.fctl.plugin.checksums.v1',
  signature: 'application/vnd.fctl.plugin.signature.v1',
  'sigstore-bundle': 'application/vnd.dev.sigstore.bundle.v0.3+json',
};

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  annotations?: Record<string, string>;
  data?: string;
}

export interface ArtifactManifest {
  schemaVersion: 2;
  mediaType: typeof MANIFEST_TYPE;
  artifactType: string;
  config: Descriptor;
  layers: Descriptor[];
  annotations: Record<string, string>;
}

type ReleaseFile = ReleaseArtifacts['files'][number];

/** The media type of a file of the release; undefined for a kind this version does not know. */
export function mediaTypeOf(file: ReleaseFile): string | undefined {
  // artifacts.json is always this one name, whichever kind the reader of the list gives it.
  const kind = file.name === ARTIFACTS_FILE ? 'artifact-list' : file.kind;
  return Object.hasOwn(LAYER_MEDIA_TYPES, kind) ? LAYER_MEDIA_TYPES[kind as keyof typeof LAYER_MEDIA_TYPES] : undefined;
}

export function layerFor(file: ReleaseFile): Descriptor {
  const executable = file.kind === 'binary' || file.kind === 'compressed-binary';
  return {
    mediaType: mediaTypeOf(file) ?? 'application/octet-stream',
    digest: `sha256:${file.sha256}`,
    size: file.size,
    annotations: {
      [TITLE]: file.name,
      ...(executable && file.os && file.arch ? { [ANNOTATIONS.platform]: `${file.os}/${file.arch}` } : {}),
      ...(file.kind === 'compressed-binary' && file.contains ? { [ANNOTATIONS.contains]: file.contains } : {}),
    },
  };
}

/** The manifest of `release` and its digest: the same files give the same bytes (no timestamp). */
export function artifactManifest(release: Pick<ReleaseArtifacts, 'name' | 'version' | 'service' | 'compatibleWith' | 'files'>): { manifest: ArtifactManifest; bytes: Buffer; digest: string } {
  const manifest: ArtifactManifest = {
    schemaVersion: 2,
    mediaType: MANIFEST_TYPE,
    artifactType: ARTIFACT_TYPE,
    config: EMPTY_CONFIG,
    layers: release.files.map(layerFor),
    annotations: {
      [TITLE]: `fctl-plugin-${release.name}`,
      [VERSION]: release.version,
      [ANNOTATIONS.name]: release.name,
      [ANNOTATIONS.version]: release.version,
      ...(release.service ? { [ANNOTATIONS.service]: release.service } : {}),
      ...(release.compatibleWith ? { [ANNOTATIONS.compatibleWith]: release.compatibleWith } : {}),
    },
  };
  const bytes = Buffer.from(JSON.stringify(manifest));
  return { manifest, bytes, digest: `sha256:${createHash('sha256').update(bytes).digest('hex')}` };
}
