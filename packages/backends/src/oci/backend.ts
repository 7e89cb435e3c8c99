// The oci backend: an ORAS-compatible artifact per release in an OCI registry, tag = version
// (artifact.ts). Publishing is inspect -> plan (pure, plan.ts) -> apply (publish.ts, loaded only
// when publishing); downloading pulls the manifest by tag and one layer per file (download.ts).
import type { Backend } from '../distribution-backend.js';
import { DownloadError, type DistributionBackend, type OpenedFile, type Release } from '../backend.js';
import type { SourceFiles } from '../distribution-backend.js';
import { ociFiles } from './download.js';
import { planOci, type OciConfig, type OciSource, type OciState } from './plan.js';
import { parseOciRepository } from './reference.js';

function sameRepository(a: string, b: unknown): boolean {
  if (typeof b !== 'string') return false;
  try {
    const [x, y] = [parseOciRepository(a), parseOciRepository(b)];
    return x.host.toLowerCase() === y.host.toLowerCase() && x.repository === y.repository;
  } catch {
    return false;
  }
}

export const ociBackend: Backend<OciConfig, OciSource, OciState> = {
  kind: 'oci',
  summary: 'an OCI registry: one ORAS-compatible artifact per release, tagged with the version',
  flags: [{ field: 'to', value: 'host/path', description: 'The OCI repository, host[:port]/path (the tag is the version)', required: true }],
  schemas: async () => (await import('./schema.js')).ociSchemas,
  configFrom: (values) => ({ backend: 'oci', to: values.to! }),
  inspect: async (config, release, context) => (await import('./publish.js')).inspectOci(config, release, context),
  plan: planOci,
  apply: async (plan, context) => (await import('./publish.js')).applyOci(plan, context),
  publishesTo: (config, source) => source.backend === 'oci' && sameRepository(config.to, source.repository),
  files: ociFiles,
};

export const backends: readonly Backend[] = [ociBackend];

/** During the migration: the old download interface, over ociBackend.files. */
export class OciBackend implements DistributionBackend {
  readonly name = 'oci';
  private readonly sources = new Map<string, SourceFiles>();

  constructor(private readonly env: NodeJS.ProcessEnv = process.env) {}

  private filesOf(release: Release): SourceFiles {
    const repository = (release.plugin as { oci?: unknown }).oci;
    const key = `${String(repository)}:${release.version}`;
    let files = this.sources.get(key);
    if (!files) {
      files = ociBackend.files({ backend: 'oci', repository: repository as string }, { name: release.name, version: release.version, platform: release.platform }, this.env);
      this.sources.set(key, files);
    }
    return files;
  }

  describe(release: Release, file: string): string {
    return this.filesOf(release).describe(file);
  }

  async open(release: Release, file: string, signal: AbortSignal): Promise<OpenedFile> {
    if (!(release.plugin as { oci?: unknown }).oci) throw new DownloadError(`plugin "${release.name}" has no "oci" repository in the registry`, false);
    return this.filesOf(release).open(file, signal);
  }
}
