// Before anything is built or published: whether the registry can take this release.
import { createPublicKey } from 'node:crypto';
import { backendNamed, type PublishConfig, type RegistrySource } from '@fctl-kit/backends';
import { legacySource, parseRegistry, sourcesOf, type RegistryPlugin, type RegistryVersion } from '@fctl-kit/registry';

export class RegistryCheckError extends Error {}

/**
 * Where the registry already fetches a plugin from: every source of every registered version (a
 * version's own sources, else the plugin's, else its legacy distribution fields), or, with no
 * version yet, the plugin's sources or legacy fields. Duplicates removed, first seen first.
 */
export function registeredSources(plugin: RegistryPlugin): RegistrySource[] {
  const entries = Object.values(plugin.versions);
  const all = entries.length ? entries.flatMap((entry) => sourcesOf(plugin, entry)) : (plugin.sources ?? [legacySource(plugin, { compatibleWith: '*' } as RegistryVersion)]);
  const seen = new Set<string>();
  return all.filter((source) => {
    const key = JSON.stringify(source);
    return seen.has(key) ? false : (seen.add(key), true);
  });
}

/** A source for a message: its backend and its own string fields, e.g. "oci (registry.example.com/fctl/ledger)". */
export function describeSource(source: RegistrySource): string {
  const fields = Object.entries(source).filter(([field, value]) => field !== 'backend' && typeof value === 'string').map(([, value]) => value as string);
  return `${String(source.backend)}${fields.length ? ` (${fields.join(', ')})` : ''}`;
}

/** Whether one of `backends` publishes to `source` (each backend's publishesTo says; s3 with publicBase records a url source). */
export const publishedBy = (backends: readonly PublishConfig[], source: RegistrySource): boolean => backends.some((config) => backendNamed(config.backend).publishesTo(config, source));

const sameKey = (a: string, b: string) => createPublicKey(a).export({ type: 'spki', format: 'der' }).compare(createPublicKey(b).export({ type: 'spki', format: 'der' })) === 0;

/**
 * Refuses a registry that lists the plugin only at places release.backends does not publish to (a
 * wrong repository or bucket, a typo: the registry's users would be sent elsewhere), or that
 * expects another signing key. Returns whether it lists the plugin.
 */
export function checkRegistryAccepts(text: string, source: string, name: string, backends: readonly PublishConfig[], publicKey: string | undefined): { listed: boolean; sources: RegistrySource[] } {
  const plugin = parseRegistry(text, source).plugins[name];
  if (!plugin) return { listed: false, sources: [] };
  const sources = registeredSources(plugin);
  if (!sources.some((candidate) => publishedBy(backends, candidate))) {
    throw new RegistryCheckError(
      `${source} fetches ${name} from ${sources.map(describeSource).join(', ')}, but release.backends does not publish there: add one of them, or the registry's users would be sent elsewhere than this release`,
    );
  }
  if (plugin.publicKey && !publicKey) throw new RegistryCheckError(`${source} has a publicKey for ${name}: its releases must be signed (pass --signing-key or set FCTL_KIT_SIGNING_KEY)`);
  if (plugin.publicKey && publicKey && !sameKey(plugin.publicKey, publicKey)) {
    throw new RegistryCheckError(`the signing key is not the one ${source} expects for ${name} (its publicKey differs): fctl would refuse this release`);
  }
  return { listed: true, sources };
}
