// The oci backend: an ORAS-compatible artifact per release in an OCI registry, tag = version
// (artifact.ts). Publishing is inspect -> plan (pure, plan.ts) -> apply (publish.ts, loaded only
// when publishing); downloading pulls the manifest by tag and one layer per file (download.ts).
import type { Backend } from '../distribution-backend.js';
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
