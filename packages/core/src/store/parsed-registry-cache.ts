// The parsed registry, cached: YAML parses about fifty times slower than JSON, and every `fctl
// <unknown command>` reads the registry to learn whether it lists that name. A YAML document's parse
// is kept in <config>/cache/registry-index-<location hash>.json, keyed by the sha256 of the exact
// document bytes and the loader's rules revision. The cache is local state that may be damaged: it is
// used only when its digest matches and it passes the registry checks again (cheap on JSON); anything
// else counts as no cache. JSON documents are parsed directly (reading a cache would cost as much).
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeJsonAtomic } from '@fctl-kit/files';
import { checkRegistryDocument, isYamlText, parseRegistry, REGISTRY_RULES_REVISION, type RegistryDocument } from '@fctl-kit/registry';

const FORMAT = 1;

interface CacheFile {
  format: number;
  rules: number;
  /** sha256 of the registry document's bytes. */
  source: string;
  /** sha256 of JSON.stringify(document), as written. */
  digest: string;
  document: unknown;
}

const sha256 = (data: string | Uint8Array) => createHash('sha256').update(data).digest('hex');

export const parsedRegistryCachePath = (configDir: string, source: string) => join(configDir, 'cache', `registry-index-${sha256(source).slice(0, 16)}.json`);

async function readCache(path: string, sourceDigest: string, source: string, debug: (line: string) => void): Promise<RegistryDocument | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    return undefined;
  }
  try {
    const cached = JSON.parse(text) as Partial<CacheFile>;
    if (cached.format !== FORMAT || cached.rules !== REGISTRY_RULES_REVISION || cached.source !== sourceDigest) return undefined;
    if (typeof cached.digest !== 'string' || sha256(JSON.stringify(cached.document)) !== cached.digest) throw new Error('its digest does not match its content');
    return checkRegistryDocument(cached.document, source);
  } catch (error) {
    debug(`registry: ignoring the damaged parse cache ${path} (${(error as Error).message})`);
    return undefined;
  }
}

/** parseRegistry, with a YAML document's parse taken from and kept in the cache. */
export async function parseRegistryCached(configDir: string, bytes: string | Uint8Array, source: string, debug: (line: string) => void): Promise<RegistryDocument> {
  const text = typeof bytes === 'string' ? bytes : Buffer.from(bytes).toString('utf8');
  if (!isYamlText(text)) return parseRegistry(text, source);
  const path = parsedRegistryCachePath(configDir, source);
  const sourceDigest = sha256(bytes);
  const cached = await readCache(path, sourceDigest, source, debug);
  if (cached) {
    debug(`registry: parsed ${source} from the cache ${path}`);
    return cached;
  }
  const document = parseRegistry(text, source);
  const serialized = JSON.stringify(document);
  const entry: CacheFile = { format: FORMAT, rules: REGISTRY_RULES_REVISION, source: sourceDigest, digest: sha256(serialized), document };
  // A cache that cannot be written (read-only or full disk) only costs the next run a parse.
  await writeJsonAtomic(path, entry).catch((error: Error) => debug(`registry: cannot cache the parse of ${source}: ${error.message}`));
  return document;
}
