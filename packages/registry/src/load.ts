// Reading a registry document from untrusted bytes: size-limited, YAML without aliases (JSON is
// accepted as the YAML subset it is), checked against the schema, then the rules a schema cannot
// say (semver keys, parseable ranges, what each distribution needs).
import semver from 'semver';
import { parseDocument } from 'yaml';
import { validate as generatedValidate } from './generated/registry.js';
import type { RegistryDocument, RegistryPlugin } from './schema.js';

const validate = generatedValidate as unknown as ((value: unknown) => boolean) & { errors?: AjvError[] | null };

export const MAX_REGISTRY_BYTES = 16 * 1024 * 1024;

export class RegistryError extends Error {
  override name = 'RegistryError';
}

interface AjvError {
  instancePath: string;
  message?: string;
  keyword: string;
  params: Record<string, unknown>;
}

function describeSchemaError(errors: AjvError[] | null | undefined): string {
  const error = errors?.[0];
  if (!error) return 'it does not match the registry schema';
  const where = error.instancePath ? error.instancePath.slice(1).split('/').join('.') : 'the document';
  if (error.keyword === 'additionalProperties' && error.instancePath === '/plugins') {
    return `plugin name "${String(error.params.additionalProperty)}" is not allowed: names use only a-z, 0-9 and "-" (at most 63 characters, not starting with "-")`;
  }
  if (error.keyword === 'additionalProperties') return `${where} has an unknown field "${String(error.params.additionalProperty)}"`;
  if (where.endsWith('.distribution')) return `${where} must be one of github-releases, private-releases, oci, url`;
  return `${where} ${error.message ?? 'is invalid'}`;
}

/** The semver rules and per-distribution requirements; returns the first problem found. */
function checkPlugin(name: string, plugin: RegistryPlugin): string | undefined {
  const distribution = plugin.distribution ?? 'github-releases';
  if ((distribution === 'github-releases' || distribution === 'private-releases') && !plugin.repo) {
    return `plugins.${name}: distribution ${distribution} needs "repo" (owner/name)`;
  }
  if (distribution === 'oci' && !plugin.oci) return `plugins.${name}: distribution oci needs "oci" (the repository, e.g. registry.example.com/fctl/${name})`;
  for (const [version, entry] of Object.entries(plugin.versions)) {
    if (semver.valid(version) !== version) return `plugins.${name}.versions: "${version}" is not a semver version like 3.2.0 (no "v", no range)`;
    if (semver.validRange(entry.compatibleWith) === null) {
      return `plugins.${name}.versions.${version}.compatibleWith: ${JSON.stringify(entry.compatibleWith)} is not a semver range`;
    }
    if (distribution === 'url' && !entry.url && !plugin.url) return `plugins.${name}.versions.${version}: distribution url needs "url" here or on the plugin`;
  }
  return undefined;
}

function parseYaml(body: string, source: string): unknown {
  try {
    const document = parseDocument(body, { uniqueKeys: true, prettyErrors: false, logLevel: 'silent' });
    const problem = document.errors[0] ?? document.warnings[0];
    if (problem) throw problem;
    return document.toJS({ maxAliasCount: 0 });
  } catch (error) {
    const message = (error as Error).message ?? String(error);
    if (/alias/i.test(message)) throw new RegistryError(`the registry ${source} uses YAML aliases (*name), which are not allowed`);
    throw new RegistryError(`the registry ${source} is not valid YAML or JSON: ${message.split('\n')[0]}`);
  }
}

/**
 * JSON takes a fast path (YAML parsing of a large registry costs seconds, JSON.parse
 * milliseconds); anything else, including YAML flow style that is not JSON, is parsed as YAML.
 */
function parseText(body: string, source: string): unknown {
  if (/^\s*\{/.test(body)) {
    try {
      return JSON.parse(body);
    } catch {
      // not JSON after all
    }
  }
  return parseYaml(body, source);
}

/** Parses and checks a registry document; `source` names it in errors (a URL or a path). */
export function parseRegistry(text: string | Uint8Array, source: string, maxBytes = MAX_REGISTRY_BYTES): RegistryDocument {
  const size = typeof text === 'string' ? Buffer.byteLength(text) : text.byteLength;
  if (size > maxBytes) throw new RegistryError(`the registry ${source} is ${size} bytes, over the limit of ${maxBytes}`);
  const body = typeof text === 'string' ? text : Buffer.from(text).toString('utf8');
  const value = parseText(body, source);
  if (!validate(value)) throw new RegistryError(`the registry ${source} is invalid: ${describeSchemaError(validate.errors)}`);
  const document = value as RegistryDocument;
  for (const [name, plugin] of Object.entries(document.plugins)) {
    const problem = checkPlugin(name, plugin);
    if (problem) throw new RegistryError(`the registry ${source} is invalid: ${problem}`);
  }
  return document;
}
