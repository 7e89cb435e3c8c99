// Editing a registry document in place for registry maintainers (`fctl-kit registry add |
// deprecate | retire`): through the YAML document model, so comments, order and formatting of
// everything else are kept. Every edit is checked by loading the result before it is returned.
import semver from 'semver';
import { isMap, isSeq, parseDocument, visit, type Document, YAMLMap } from 'yaml';
import { parseRegistry, RegistryError } from './load.js';
import type { RegistryCoreVersion, RegistryPlugin, RegistrySource } from './schema.js';
import { isDeepStrictEqual } from 'node:util';

export interface NewVersion {
  compatibleWith: string;
  checksumsSha256?: string;
  deprecated?: string;
  /** The protocol versions the release speaks, ascending. */
  protocolVersions?: number[];
  /** Where the release was published, in the order fctl should try them. */
  sources?: RegistrySource[];
  url?: string;
}

function open(text: string, source: string): Document {
  // Refuse to edit a document that is already invalid: parseRegistry bounds its size and depth (so
  // the composer below cannot overflow) and refuses repeated keys in linear time (yaml's uniqueKeys
  // check is quadratic, so it is off here).
  parseRegistry(text, source);
  const document = parseDocument(text, { uniqueKeys: false });
  rememberEmptyFlowCollections(document);
  return document;
}

function versionsMap(document: Document, name: string): YAMLMap {
  const versions = document.getIn(['plugins', name, 'versions']);
  if (versions === undefined) throw new RegistryError(`the registry has no plugin "${name}"`);
  if (!isMap(versions)) throw new RegistryError(`plugins.${name}.versions is not a mapping`);
  return versions as YAMLMap;
}

/**
 * A registry starts as `plugins: {}` (what the generator writes): a flow map, which would keep
 * everything added into it on one line, unreadable in a pull request. A collection that was an empty
 * flow collection when the document was opened and holds something after the edit is written in
 * block style; flow collections the author filled by hand are left as they are.
 */
const emptyFlowCollections = new WeakMap<Document, Set<unknown>>();

function rememberEmptyFlowCollections(document: Document): void {
  const empty = new Set<unknown>();
  visit(document, {
    Map: (_key, node) => void (node.flow && !node.items.length && empty.add(node)),
    Seq: (_key, node) => void (node.flow && !node.items.length && empty.add(node)),
  });
  emptyFlowCollections.set(document, empty);
}

function blockStyleWhenFilled(document: Document): void {
  const empty = emptyFlowCollections.get(document);
  visit(document, {
    Map: (_key, node) => void (empty?.has(node) && node.items.length && (node.flow = false)),
    Seq: (_key, node) => void (empty?.has(node) && node.items.length && (node.flow = false)),
  });
}

/** A version's protocolVersions on one line, `[1, 2]`, as a reviewer reads it. */
function protocolVersionsInFlow(document: Document, ...place: [name: string, version: string] | [path: string[]]): void {
  const path = place.length === 1 ? place[0] : ['plugins', place[0], 'versions', place[1]];
  const list = document.getIn([...path, 'protocolVersions'], true);
  if (isSeq(list)) list.flow = true;
}

function finish(document: Document, source: string): string {
  blockStyleWhenFilled(document);
  const text = document.toString({ lineWidth: 0 });
  parseRegistry(text, source);
  return text;
}

/** Adds `version` of plugin `name`, placed in semver order among its versions. */
export function addVersion(text: string, source: string, name: string, version: string, entry: NewVersion): string {
  if (semver.valid(version) !== version) throw new RegistryError(`"${version}" is not a semver version like 3.2.0`);
  const document = open(text, source);
  const versions = versionsMap(document, name);
  if (versions.has(version)) throw new RegistryError(`plugins.${name} already has version ${version}; versions are immutable once released`);
  const node = document.createNode(Object.fromEntries(Object.entries(entry).filter(([, value]) => value !== undefined)));
  const pair = document.createPair(version, node);
  const after = versions.items.findIndex((item) => semver.valid(String((item.key as { value?: unknown })?.value ?? item.key)) && semver.gt(String((item.key as { value?: unknown })?.value ?? item.key), version));
  if (after < 0) versions.items.push(pair);
  else versions.items.splice(after, 0, pair);
  protocolVersionsInFlow(document, name, version);
  return finish(document, source);
}

export function deprecateVersion(text: string, source: string, name: string, version: string, message: string): string {
  const document = open(text, source);
  if (!versionsMap(document, name).has(version)) throw new RegistryError(`plugins.${name} has no version ${version}`);
  document.setIn(['plugins', name, 'versions', version, 'deprecated'], message);
  return finish(document, source);
}

/** Removes versions (RFC 0002 journey 7): one, or every version below `below`. Returns the text and what was removed. */
export function retireVersions(text: string, source: string, name: string, which: { version?: string; below?: string }): { text: string; removed: string[] } {
  const document = open(text, source);
  const versions = versionsMap(document, name);
  const keys = versions.items.map((item) => String((item.key as { value?: unknown })?.value ?? item.key));
  const removed = which.version ? keys.filter((key) => key === which.version) : keys.filter((key) => semver.valid(key) && semver.lt(key, which.below!));
  if (!removed.length) throw new RegistryError(which.version ? `plugins.${name} has no version ${which.version}` : `plugins.${name} has no version below ${which.below}`);
  for (const key of removed) {
    // The comment right above the first version is stored on the map: it goes with that version.
    if (String((versions.items[0]?.key as { value?: unknown })?.value) === key) versions.commentBefore = undefined;
    versions.delete(key);
  }
  return { text: finish(document, source), removed };
}

/** How a plugin's releases are fetched: the plugin-level fields of a registry entry. */
export type PluginDistribution = Partial<Pick<RegistryPlugin, 'distribution' | 'repo' | 'url' | 'oci' | 'githubUrl' | 'githubApiUrl' | 'publicKey' | 'description'>>;

/**
 * Records a release (`fctl-kit release`): adds the version (with the sources it was published to
 * and the protocol versions it speaks), and the plugin with `distribution` if the registry does not
 * have it yet. Registering the same release again changes nothing, except that sources it was since
 * published to (a new mirror) are appended, and protocolVersions are recorded on a version
 * registered before the field existed; a version already registered with other content is refused
 * (released versions are immutable).
 */
export function registerRelease(
  text: string,
  source: string,
  name: string,
  version: string,
  release: { distribution: PluginDistribution; entry: NewVersion },
): { text: string; changed: boolean } {
  if (semver.valid(version) !== version) throw new RegistryError(`"${version}" is not a semver version like 3.2.0`);
  const current = parseRegistry(text, source).plugins[name];
  if (!current) {
    const document = open(text, source);
    const values = Object.fromEntries(Object.entries({ ...release.distribution, versions: { [version]: release.entry } }).filter(([, value]) => value !== undefined));
    document.setIn(['plugins', name], document.createNode(values));
    protocolVersionsInFlow(document, name, version);
    return { text: finish(document, source), changed: true };
  }
  const registered = current.versions[version];
  if (!registered) return { text: addVersion(text, source, name, version, release.entry), changed: true };
  const differs: string[] = (['compatibleWith', 'checksumsSha256', 'url'] as const).filter((field) => registered[field] !== release.entry[field]);
  const protocols = release.entry.protocolVersions;
  // Unknown (not recorded) is not other content: the same bytes gain what they were always speaking.
  if (registered.protocolVersions && protocols && !isDeepStrictEqual(registered.protocolVersions, protocols)) differs.push('protocolVersions');
  if (differs.length) {
    throw new RegistryError(`plugins.${name}.versions.${version} is already registered with another ${differs.join(', ')}: released versions are immutable (release a new version)`);
  }
  const known = registered.sources ?? [];
  const added = (release.entry.sources ?? []).filter((candidate) => !known.some((existing) => isDeepStrictEqual(existing, candidate)));
  const recordProtocols = Boolean(protocols && !registered.protocolVersions);
  if (!added.length && !recordProtocols) return { text, changed: false };
  const document = open(text, source);
  if (recordProtocols) {
    document.setIn(['plugins', name, 'versions', version, 'protocolVersions'], document.createNode(protocols));
    protocolVersionsInFlow(document, name, version);
  }
  if (added.length) document.setIn(['plugins', name, 'versions', version, 'sources'], document.createNode([...known, ...added]));
  return { text: finish(document, source), changed: true };
}

/** A release of fctl itself, as the `cores` section records it. */
export type NewCoreVersion = RegistryCoreVersion;

/**
 * Records a release of fctl itself in the `cores` section (created, with `publicKey` when given, if
 * the registry has none). Like plugin versions, a registered version is immutable: another
 * checksumsSha256 or protocolVersions is refused; the same release registered again only appends
 * the sources not recorded yet.
 */
export function registerCoreRelease(text: string, source: string, version: string, entry: NewCoreVersion, options: { publicKey?: string } = {}): { text: string; changed: boolean } {
  if (semver.valid(version) !== version) throw new RegistryError(`"${version}" is not a semver version like 0.2.0`);
  const current = parseRegistry(text, source).cores;
  const document = open(text, source);
  const values = Object.fromEntries(Object.entries(entry).filter(([, value]) => value !== undefined));
  if (!current) {
    document.set('cores', document.createNode({ ...(options.publicKey ? { publicKey: options.publicKey } : {}), versions: { [version]: values } }));
    protocolVersionsInFlow(document, ['cores', 'versions', version]);
    return { text: finish(document, source), changed: true };
  }
  const registered = current.versions[version];
  if (!registered) {
    const versions = document.getIn(['cores', 'versions']);
    if (!isMap(versions)) throw new RegistryError('cores.versions is not a mapping');
    const pair = document.createPair(version, document.createNode(values));
    const after = versions.items.findIndex((item) => semver.gt(keyOf(item), version));
    if (after < 0) versions.items.push(pair);
    else versions.items.splice(after, 0, pair);
    protocolVersionsInFlow(document, ['cores', 'versions', version]);
    return { text: finish(document, source), changed: true };
  }
  const differs: string[] = [];
  if (registered.checksumsSha256 !== entry.checksumsSha256) differs.push('checksumsSha256');
  if (!isDeepStrictEqual(registered.protocolVersions, entry.protocolVersions)) differs.push('protocolVersions');
  if (differs.length) throw new RegistryError(`cores.versions.${version} is already registered with another ${differs.join(', ')}: released versions are immutable (release a new version)`);
  const known = registered.sources ?? [];
  const added = (entry.sources ?? []).filter((candidate) => !known.some((existing) => isDeepStrictEqual(existing, candidate)));
  if (!added.length) return { text, changed: false };
  document.setIn(['cores', 'versions', version, 'sources'], document.createNode([...known, ...added]));
  return { text: finish(document, source), changed: true };
}

const keyOf = (item: { key: unknown }) => String((item.key as { value?: unknown })?.value ?? item.key);
