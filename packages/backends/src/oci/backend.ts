// The `oci` backend for downloads: pulls the release's manifest by tag, checks it is an fctl
// plugin artifact, and streams the layer titled with the wanted file, verifying its digest.
import { createHash } from 'node:crypto';
import { DownloadError, type DistributionBackend, type OpenedFile, type Release } from '../backend.js';
import { ARTIFACT_TYPE, TITLE, type ArtifactManifest } from './artifact.js';
import { OciClient, OciError } from './client.js';
import { credentialsFor } from './credentials.js';
import { parseOciRepository } from './reference.js';

function asDownloadError(error: unknown): never {
  if (error instanceof DownloadError) throw error;
  if (error instanceof OciError) throw new DownloadError(error.message, error.status === undefined || error.status >= 500 || error.status === 429);
  throw error;
}

async function* verified(body: AsyncIterable<Uint8Array>, digest: string, what: string): AsyncIterable<Uint8Array> {
  const hash = createHash('sha256');
  for await (const chunk of body) {
    hash.update(chunk);
    yield chunk;
  }
  const actual = `sha256:${hash.digest('hex')}`;
  if (actual !== digest) throw new DownloadError(`${what} has digest ${actual}, but its manifest says ${digest}`, false);
}

export class OciBackend implements DistributionBackend {
  readonly name = 'oci';
  private readonly manifests = new Map<string, Promise<ArtifactManifest>>();

  constructor(private readonly env: NodeJS.ProcessEnv = process.env) {}

  private client(release: Release): OciClient {
    if (!release.plugin.oci) throw new DownloadError(`plugin "${release.name}" has no "oci" repository in the registry`, false);
    const repository = parseOciRepository(release.plugin.oci);
    return new OciClient(repository, credentialsFor(repository.host, this.env));
  }

  describe(release: Release, file: string): string {
    return `oci://${release.plugin.oci}:${release.version} (${file})`;
  }

  private manifest(client: OciClient, release: Release, signal: AbortSignal): Promise<ArtifactManifest> {
    const key = `${release.plugin.oci}:${release.version}`;
    let pending = this.manifests.get(key);
    if (!pending) {
      pending = (async () => {
        const found = await client.getManifest(release.version, signal).catch(asDownloadError);
        if (!found) throw new DownloadError(`oci://${key} does not exist`, false);
        const manifest = JSON.parse(found.bytes.toString('utf8')) as ArtifactManifest;
        if (manifest.artifactType !== ARTIFACT_TYPE) throw new DownloadError(`oci://${key} is not an fctl plugin artifact (artifactType ${manifest.artifactType ?? 'none'})`, false);
        return manifest;
      })();
      pending.catch(() => this.manifests.delete(key));
      this.manifests.set(key, pending);
    }
    return pending;
  }

  async open(release: Release, file: string, signal: AbortSignal): Promise<OpenedFile> {
    const client = this.client(release);
    const manifest = await this.manifest(client, release, signal);
    const layer = manifest.layers.find((l) => l.annotations?.[TITLE] === file);
    if (!layer) throw new DownloadError(`${this.describe(release, file)}: the artifact has no layer titled ${file}`, false);
    const response = await client.getBlob(layer.digest, signal).catch(asDownloadError);
    return { body: verified(response.body, layer.digest, this.describe(release, file)), size: layer.size, close: () => response.discard() };
  }
}
