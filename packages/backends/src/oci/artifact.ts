// The OCI artifact of a plugin release (ORAS-compatible): one image manifest with artifactType
// application/vnd.fctl.plugin.v1, the empty config, one layer per file (each titled with its file
// name, as ORAS names pulled files), and annotations for the plugin. Tag = version.
import { createHash } from 'node:crypto';
import type { BuildRelease } from '../publish.js';
import { CHECKSUMS_FILE, SIGNATURE_FILE } from '@fctl-kit/artifacts';
import { MANIFEST_TYPE } from './client.js';

export const ARTIFACT_TYPE = 'application/vnd.fctl.plugin.v1';
export const EMPTY_CONFIG = {
  mediaType: 'application/vnd.oci.empty.v1+json',
  digest: 'sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a',
  size: 2,
  data: 'e30=',
} as const;
export const TITLE = 'org.opencontainers.image.title';
export const FILE_MODE = 'vnd.fctl.file.mode';
export const PLATFORM = 'vnd.fctl.plugin.platform';

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

const BINARY = /^fctl-plugin-[a-z0-9-]+-(linux|darwin|windows)-(amd64|arm64)(\.exe)?$/;

export function layerFor(file: BuildRelease['files'][number]): Descriptor {
  const binary = BINARY.exec(file.name);
  const mediaType = binary
    ? 'application/vnd.fctl.plugin.binary.v1'
    : file.name === CHECKSUMS_FILE
      ? 'application/vnd.fctl.plugin.checksums.v1'
      : file.name === SIGNATURE_FILE
        ? 'application/vnd.fctl.plugin.signature.v1'
        : file.name === 'manifest.json'
          ? 'application/vnd.fctl.plugin.manifest.v1+json'
          : file.name.endsWith('.cjs')
            ? 'application/vnd.fctl.plugin.bundle.v1'
            : 'application/octet-stream';
  return {
    mediaType,
    digest: `sha256:${file.sha256}`,
    size: file.size,
    annotations: { [TITLE]: file.name, [FILE_MODE]: binary ? '0755' : '0644', ...(binary ? { [PLATFORM]: `${binary[1]}/${binary[2]}` } : {}) },
  };
}

export function artifactManifest(release: BuildRelease, plugin: { service?: string; compatibleWith?: string }): { manifest: ArtifactManifest; bytes: Buffer; digest: string } {
  const manifest: ArtifactManifest = {
    schemaVersion: 2,
    mediaType: MANIFEST_TYPE,
    artifactType: ARTIFACT_TYPE,
    config: EMPTY_CONFIG,
    layers: release.files.map(layerFor),
    annotations: {
      'org.opencontainers.image.title': `fctl-plugin-${release.name}`,
      'org.opencontainers.image.version': release.version,
      'vnd.fctl.plugin.name': release.name,
      'vnd.fctl.plugin.version': release.version,
      ...(plugin.service ? { 'vnd.fctl.plugin.service': plugin.service } : {}),
      ...(plugin.compatibleWith ? { 'vnd.fctl.plugin.compatibleWith': plugin.compatibleWith } : {}),
    },
  };
  const bytes = Buffer.from(JSON.stringify(manifest));
  return { manifest, bytes, digest: `sha256:${createHash('sha256').update(bytes).digest('hex')}` };
}
