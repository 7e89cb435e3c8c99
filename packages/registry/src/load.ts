// Reading a registry document from untrusted bytes (it comes from the network): size- and
// depth-limited, one YAML document without aliases or custom tags (JSON is accepted as the YAML subset
// it is), no key given twice, checked against the schema, then the rules a schema cannot say (semver
// keys, parseable ranges, what each distribution needs).
import { exceedsJsonDepth } from '@fctl-kit/protocol';
import semver from 'semver';
import { parseBoundedYaml, YamlDuplicateKeyError, YamlLimitError } from './bounded-yaml.js';
import { findJsonDuplicateKey, jsonRepeatsAKey, lineAndColumn, placeKey, quoted } from './duplicate-keys.js';
import { validate as generatedValidate } from './generated/registry.js';
import { MAX_PROTOCOL_VERSION, MAX_PROTOCOL_VERSIONS, type RegistryCores, type RegistryDocument, type RegistryPlugin } from './schema.js';
import { usesLegacySource } from './sources.js';

const validate = generatedValidate as unknown as ((value: unknown) => boolean) & { errors?: AjvError[] | null };

export const MAX_REGISTRY_BYTES = 16 * 1024 * 1024;
/**
 * YAML parses about fifty times slower than JSON (docs/registry.md, "Limits"): a YAML registry is
 * held to a quarter of the JSON limit, which keeps a cold parse to seconds on a slow machine.
 */
export const MAX_YAML_REGISTRY_BYTES = 4 * 1024 * 1024;
/**
 * Objects and lists inside one another, in YAML and JSON alike. A valid registry nests five deep
 * (document, plugins, plugin, versions, version); anything much deeper is junk, and every recursive
 * walk (YAML's composer, validation, JSON.stringify of the cached parse) overflows the stack on it.
 */
export const MAX_REGISTRY_DEPTH = 32;

export class RegistryError extends Error {
  override name = 'RegistryError';
}

interface AjvError {
  instancePath: string;
  message?: string;
  keyword: string;
  params: Record<string, unknown>;
}

const PROTOCOL_VERSIONS_RULE = `a non-empty list of distinct protocol versions (integers from 1 to ${MAX_PROTOCOL_VERSION}), in ascending order`;

const placeOf = (instancePath: string) =>
  instancePath ? instancePath.slice(1).split('/').map((segment) => placeKey(segment.replaceAll('~1', '/').replaceAll('~0', '~'))).join('.') : 'the document';

/** A version's protocolVersions list that the schema refuses: the rule, and what breaks it. */
function describeProtocolVersionsError(error: AjvError): string | undefined {
  const match = /^(.*\/versions\/[^/]+\/protocolVersions)(?:\/(\d+))?$/.exec(error.instancePath);
  if (!match) return undefined;
  const item = match[2] === undefined ? undefined : `item ${Number(match[2]) + 1}`;
  const problem =
    item === undefined
      ? ({ type: 'it is not a list', minItems: 'it is empty', maxItems: `it lists more than ${MAX_PROTOCOL_VERSIONS}`, uniqueItems: 'it lists a version twice' } as Record<string, string>)[error.keyword]
      : ({ type: `${item} is not an integer`, minimum: `${item} is below 1`, maximum: `${item} is over ${MAX_PROTOCOL_VERSION}` } as Record<string, string>)[error.keyword];
  return `${placeOf(match[1]!)} must be ${PROTOCOL_VERSIONS_RULE}; ${problem ?? error.message ?? 'it is invalid'}`;
}

function describeSchemaError(errors: AjvError[] | null | undefined): string {
  const error = errors?.[0];
  if (!error) return 'it does not match the registry schema';
  const protocols = describeProtocolVersionsError(error);
  if (protocols) return protocols;
  const where = placeOf(error.instancePath);
  if (error.keyword === 'additionalProperties' && error.instancePath === '/plugins') {
    return `plugin name ${quoted(String(error.params.additionalProperty))} is not allowed: names use only a-z, 0-9 and "-" (at most 63 characters, not starting with "-")`;
  }
  if (error.keyword === 'additionalProperties') return `${where} has an unknown field ${quoted(String(error.params.additionalProperty))}`;
  if (where.endsWith('.distribution')) return `${where} must be one of github-releases, private-releases, oci, url`;
  return `${where} ${error.message ?? 'is invalid'}`;
}

/** The semver rules and, where versions use the legacy distribution fields, what each needs; returns the first problem found. */
function checkPlugin(name: string, plugin: RegistryPlugin): string | undefined {
  const distribution = plugin.distribution ?? 'github-releases';
  const versions = Object.entries(plugin.versions);
  const legacy = !plugin.sources && (versions.length === 0 || versions.some(([, entry]) => usesLegacySource(plugin, entry)));
  if (legacy && (distribution === 'github-releases' || distribution === 'private-releases') && !plugin.repo) {
    return `plugins.${name}: distribution ${distribution} needs "repo" (owner/name), or give "sources"`;
  }
  if (legacy && distribution === 'oci' && !plugin.oci) return `plugins.${name}: distribution oci needs "oci" (the repository, e.g. registry.example.com/fctl/${name}), or give "sources"`;
  for (const [version, entry] of versions) {
    if (semver.valid(version) !== version) return `plugins.${name}.versions: ${quoted(version)} is not a semver version like 3.2.0 (no "v", no range)`;
    if (semver.validRange(entry.compatibleWith) === null) {
      return `plugins.${name}.versions.${version}.compatibleWith: ${quoted(entry.compatibleWith)} is not a semver range`;
    }
    const protocols = entry.protocolVersions;
    if (protocols && protocols.some((protocol, i) => i > 0 && protocol < protocols[i - 1]!)) {
      return `plugins.${name}.versions.${version}.protocolVersions must be ${PROTOCOL_VERSIONS_RULE}; got [${protocols.join(', ')}]`;
    }
    if (usesLegacySource(plugin, entry) && distribution === 'url' && !entry.url && !plugin.url) {
      return `plugins.${name}.versions.${version}: distribution url needs "url" here or on the plugin, or give "sources"`;
    }
  }
  return undefined;
}

/** The rules of the cores section a schema cannot say: semver keys, ascending protocols, somewhere to fetch each from. */
function checkCores(cores: RegistryCores): string | undefined {
  for (const [version, entry] of Object.entries(cores.versions)) {
    if (semver.valid(version) !== version) return `cores.versions: ${quoted(version)} is not a semver version like 0.2.0 (no "v", no range)`;
    const protocols = entry.protocolVersions;
    if (protocols.some((protocol, i) => i > 0 && protocol < protocols[i - 1]!)) {
      return `cores.versions.${version}.protocolVersions must be ${PROTOCOL_VERSIONS_RULE}; got [${protocols.join(', ')}]`;
    }
    if (!entry.sources && !cores.sources) return `cores.versions.${version} has no sources, and cores has none: give "sources" on either`;
  }
  return undefined;
}

function parseYaml(body: string, source: string): unknown {
  try {
    return parseBoundedYaml(body, source, { maxBytes: MAX_YAML_REGISTRY_BYTES, maxDepth: MAX_REGISTRY_DEPTH });
  } catch (error) {
    if (error instanceof YamlDuplicateKeyError) throw duplicateKeyError(source, error.place, error);
    if (error instanceof YamlLimitError) throw new RegistryError(`the registry ${error.message}${where(body, error.offset)}`);
    throw yamlError(error, body, source);
  }
}

function duplicateKeyError(source: string, place: string, { line, column }: { line: number; column: number }): RegistryError {
  return new RegistryError(`the registry ${source} is invalid: ${place} is given twice (line ${line}, column ${column}); each key may appear only once`);
}

/** ` (line 3, column 7)`, or nothing when the place is unknown. */
function where(body: string, offset: number | undefined): string {
  if (typeof offset !== 'number') return '';
  const { line, column } = lineAndColumn(body, offset);
  return ` (line ${line}, column ${column})`;
}

/** Control characters of document text (yaml quotes a tag it does not know) escaped: it may be printed on a terminal. */
const escapeControls = (text: string) => text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);

/** yaml's own errors (text that is not YAML, a tag outside the core schema), with the line and column. */
function yamlError(error: unknown, body: string, source: string): RegistryError {
  const message = (error as Error).message ?? String(error);
  if (/alias/i.test(message)) return new RegistryError(`the registry ${source} uses YAML aliases (*name), which are not allowed`);
  const place = where(body, (error as { pos?: [number, number] }).pos?.[0]);
  return new RegistryError(`the registry ${source} is not valid YAML or JSON${place}: ${escapeControls(message.split('\n')[0]!.slice(0, 200))}`);
}

/**
 * JSON takes a fast path (YAML parsing of a large registry costs seconds, JSON.parse
 * milliseconds); anything else, including YAML flow style that is not JSON, is parsed as YAML.
 */
function parseText(body: string, source: string, size: number): unknown {
  if (!isYamlText(body)) {
    let value: unknown;
    try {
      value = JSON.parse(body);
    } catch {
      // not JSON after all
    }
    if (value !== undefined) {
      if (!jsonRepeatsAKey(body, value)) return value;
      // JSON.parse kept the last of two equal keys: find the first repeat and say where it is.
      const duplicate = findJsonDuplicateKey(body);
      if (duplicate) throw duplicateKeyError(source, duplicate.place, lineAndColumn(body, duplicate.offset));
    }
  }
  if (size > MAX_YAML_REGISTRY_BYTES) {
    throw new RegistryError(
      `the registry ${source} is ${size} bytes of YAML, over the YAML limit of ${MAX_YAML_REGISTRY_BYTES} (JSON, which parses much faster, may have up to ${MAX_REGISTRY_BYTES})`,
    );
  }
  return parseYaml(body, source);
}

/** Parses and checks a registry document; `source` names it in errors (a URL or a path). */
export function parseRegistry(text: string | Uint8Array, source: string, maxBytes = MAX_REGISTRY_BYTES): RegistryDocument {
  const size = typeof text === 'string' ? Buffer.byteLength(text) : text.byteLength;
  if (size > maxBytes) throw new RegistryError(`the registry ${source} is ${size} bytes, over the limit of ${maxBytes}`);
  const body = typeof text === 'string' ? text : Buffer.from(text).toString('utf8');
  return checkRegistryDocument(parseText(body, source, size), source);
}

/**
 * Bumped whenever the rules a document must pass change: a document checked by other rules (a
 * cached parse, for instance) is not to be trusted as checked.
 */
export const REGISTRY_RULES_REVISION = 5;

/** The schema and the rules a schema cannot say, over an already parsed value. */
export function checkRegistryDocument(value: unknown, source: string): RegistryDocument {
  if (exceedsJsonDepth(value, MAX_REGISTRY_DEPTH)) {
    throw new RegistryError(`the registry ${source} nests objects and lists more than ${MAX_REGISTRY_DEPTH} deep`);
  }
  if (!validate(value)) throw new RegistryError(`the registry ${source} is invalid: ${describeSchemaError(validate.errors)}`);
  const document = value as RegistryDocument;
  for (const [name, plugin] of Object.entries(document.plugins)) {
    const problem = checkPlugin(name, plugin);
    if (problem) throw new RegistryError(`the registry ${source} is invalid: ${problem}`);
  }
  const coresProblem = document.cores && checkCores(document.cores);
  if (coresProblem) throw new RegistryError(`the registry ${source} is invalid: ${coresProblem}`);
  return document;
}

/** Whether a text is parsed as YAML (slow) rather than by the JSON fast path. */
export const isYamlText = (text: string) => !/^\s*\{/.test(text);
