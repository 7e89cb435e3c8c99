// The download side of the oci backend: the release's manifest by tag (once per release), checked
// to be an fctl plugin artifact, then the layer titled with the wanted file, its digest verified
// while it streams. The registry source and everything the registry answers are untrusted: the
// repository is parsed as publishing parses it, the tag must be a tag, and a layer must carry a
// sha256 digest and a size before any blob URL is built from it.
import { createHash } from 'node:crypto';
import { DownloadError, type OpenedFile, type ReleaseRef, type SourceFiles } from '../distribution-backend.js';
import { ARTIFACT_TYPE, TITLE, type Descriptor } from './artifact.js';
import { OciClient, OciError } from './client.js';
import { credentialsFor } from './credentials.js';
import type { OciSource } from './plan.js';
import { parseOciRepository, tagProblem } from './reference.js';

const DIGEST = /^sha256:[0-9a-f]{64}$/;

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

/** The layers of the manifest `bytes`, by title, once it is known to be an fctl plugin artifact. */
function layersOf(bytes: Buffer, where: string): Map<string, Descriptor> {
  let manifest: { artifactType?: unknown; layers?: unknown };
  try {
    manifest = JSON.parse(bytes.toString('utf8')) as typeof manifest;
  } catch {
    throw new DownloadError(`${where}: the registry answered a manifest that is not JSON`, false);
  }
  if (!manifest || typeof manifest !== 'object') throw new DownloadError(`${where}: the registry answered a manifest that is not a JSON object`, false);
  if (manifest.artifactType !== ARTIFACT_TYPE) throw new DownloadError(`${where} is not an fctl plugin artifact (artifactType ${typeof manifest.artifactType === 'string' ? manifest.artifactType : 'none'})`, false);
  if (!Array.isArray(manifest.layers)) throw new DownloadError(`${where}: the manifest has no layers`, false);
  const layers = new Map<string, Descriptor>();
  for (const [index, layer] of (manifest.layers as Array<Partial<Descriptor> | null>).entries()) {
    const title = layer?.annotations?.[TITLE];
    if (typeof title !== 'string') continue;
    if (layers.has(title)) throw new DownloadError(`${where}: the manifest has two layers titled ${JSON.stringify(title)}`, false);
    if (typeof layer!.digest !== 'string' || !DIGEST.test(layer!.digest)) throw new DownloadError(`${where}: layer ${index} (${JSON.stringify(title)}) has no sha256 digest`, false);
    if (!Number.isSafeInteger(layer!.size) || layer!.size! < 0) throw new DownloadError(`${where}: layer ${index} (${JSON.stringify(title)}) has no valid size`, false);
    layers.set(title, layer as Descriptor);
  }
  return layers;
}

export function ociFiles(source: OciSource, release: ReleaseRef, env: NodeJS.ProcessEnv): SourceFiles {
  const repository = typeof source.repository === 'string' ? source.repository : undefined;
  const where = `oci://${repository ?? '(no repository)'}:${release.version}`;
  const describe = (file: string) => `${where} (${file})`;
  let client: OciClient | undefined;
  let manifest: Promise<Map<string, Descriptor>> | undefined;

  const connect = (): OciClient => {
    if (client) return client;
    if (!repository) throw new DownloadError(`the registry's oci source for ${release.name} names no repository`, false);
    const tag = tagProblem(release.version);
    if (tag) throw new DownloadError(`${where}: ${tag}`, false);
    let parsed;
    try {
      parsed = parseOciRepository(repository);
    } catch (error) {
      throw new DownloadError(`the registry's oci source for ${release.name}: ${(error as Error).message}`, false);
    }
    client = new OciClient(parsed, credentialsFor(parsed.host, env));
    return client;
  };

  const layers = (signal: AbortSignal): Promise<Map<string, Descriptor>> => {
    if (!manifest) {
      const pending = (async () => {
        const found = await connect().getManifest(release.version, signal).catch(asDownloadError);
        if (!found) throw new DownloadError(`${where} does not exist`, false);
        return layersOf(found.bytes, where);
      })();
      // A failed read is not kept: the next attempt asks again.
      pending.catch(() => {
        if (manifest === pending) manifest = undefined;
      });
      manifest = pending;
    }
    return manifest;
  };

  return {
    describe,
    async open(file: string, signal: AbortSignal): Promise<OpenedFile> {
      const layer = (await layers(signal)).get(file);
      if (!layer) throw new DownloadError(`${describe(file)}: the artifact has no layer titled ${file}`, false);
      const response = await connect().getBlob(layer.digest, signal).catch(asDownloadError);
      return { body: verified(response.body, layer.digest, describe(file)), size: layer.size, close: () => response.discard() };
    },
  };
}
