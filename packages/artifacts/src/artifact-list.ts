// artifacts.json: the typed list of a release's files, written by the build beside checksums.txt and
// listed in it (so the signature covers it). Publishers, OCI annotations, registry entries and the
// installer filter it by kind and platform instead of recovering them from file names.
//
// Its schema is artifact-list-schema.ts (TypeBox, read by the generator only); parseArtifactList runs
// the generated validator, then checks what a schema cannot say (names against each other).
import { describeSchemaError, type SchemaError } from '@fctl-kit/protocol';
import { validate as generatedValidate } from './generated/artifact-list.js';
import { binaryFileName, CHECKSUMS_FILE, isReleaseFileName, platformId, SIGNATURE_FILE, type Arch, type Os } from './release-files.js';
import { SIGSTORE_BUNDLE_FILE } from './sigstore-bundle.js';

export const ARTIFACTS_FILE = 'artifacts.json';
export const ARTIFACT_LIST_FORMAT = 'fctl-plugin-artifacts/v1';
/** artifacts.json is small: a bigger one is refused before it is parsed. */
export const MAX_ARTIFACT_LIST_BYTES = 1024 * 1024;

export type Compression = 'xz';
/** The file name suffix of each compression: <binary>.xz. */
export const COMPRESSION_SUFFIX: Record<Compression, string> = { xz: '.xz' };

export type ArtifactKind =
  /** An executable plugin for one platform. */
  | 'binary'
  /** A binary compressed (see `compression`): what fctl downloads when it is there. */
  | 'compressed-binary'
  /** The plugin bundle (JavaScript) every binary embeds. */
  | 'bundle'
  | 'source-map'
  /** manifest.json: the plugin's manifest as its binaries report it. */
  | 'manifest'
  /** The compatibility scenarios the release was tested with. */
  | 'scenarios'
  /** artifacts.json itself (its sha256 is in checksums.txt). */
  | 'artifact-list'
  | 'checksums'
  /** checksums.txt.sig: the detached signature (cosign's legacy form). */
  | 'signature'
  /** checksums.txt.sigstore.json: the same signature as a Sigstore bundle. */
  | 'sigstore-bundle';

/** The kinds listed by name only: artifacts.json cannot hash itself, nor checksums.txt and what signs it. */
export const UNHASHED_KINDS: ReadonlySet<ArtifactKind> = new Set(['artifact-list', 'checksums', 'signature', 'sigstore-bundle']);

/** The kinds whose file has one fixed name. */
export const FIXED_NAMES: Partial<Record<ArtifactKind, string>> = {
  manifest: 'manifest.json',
  'artifact-list': ARTIFACTS_FILE,
  checksums: CHECKSUMS_FILE,
  signature: SIGNATURE_FILE,
  'sigstore-bundle': SIGSTORE_BUNDLE_FILE,
};

export interface ArtifactEntry {
  name: string;
  kind: ArtifactKind;
  /** binary and compressed-binary only. */
  os?: Os;
  arch?: Arch;
  /**
   * Size and sha256 of the file. Absent for artifacts.json, checksums.txt and what signs it (they
   * cannot be listed inside a file checksums.txt covers).
   */
  size?: number;
  sha256?: string;
  /** compressed-binary only: the format, and the name of the binary it decompresses to. */
  compression?: Compression;
  contains?: string;
}

export interface ArtifactList {
  format: typeof ARTIFACT_LIST_FORMAT;
  name: string;
  version: string;
  artifacts: ArtifactEntry[];
}

/** <binary>.xz: the name of a compressed binary. */
export const compressedFileName = (binary: string, compression: Compression): string => `${binary}${COMPRESSION_SUFFIX[compression]}`;

export class ArtifactListError extends Error {
  override name = 'ArtifactListError';
}

const validate = generatedValidate as unknown as ((value: unknown) => boolean) & { errors?: SchemaError[] | null };

/** What is wrong with the entries of a list the schema accepted, naming the entry; undefined when nothing. */
function entriesProblem(list: ArtifactList): string | undefined {
  const names = new Map<string, number>();
  const binaries = new Map<string, ArtifactEntry>();
  for (const [index, entry] of list.artifacts.entries()) {
    const at = `artifacts[${index}] (${entry.name})`;
    if (!isReleaseFileName(entry.name)) return `${at}: not a release file name`;
    if (names.has(entry.name)) return `${at}: ${entry.name} is listed twice (also artifacts[${names.get(entry.name)}])`;
    names.set(entry.name, index);
    const fixed = FIXED_NAMES[entry.kind];
    if (fixed && entry.name !== fixed) return `${at}: a ${entry.kind} must be named ${fixed}`;
    if (entry.kind === 'binary') {
      const expected = binaryFileName(list.name, { os: entry.os!, arch: entry.arch! });
      if (entry.name !== expected) return `${at}: the ${platformId({ os: entry.os!, arch: entry.arch! })} binary of ${list.name} must be named ${expected}`;
      binaries.set(entry.name, entry);
    }
  }
  for (const [index, entry] of list.artifacts.entries()) {
    if (entry.kind !== 'compressed-binary') continue;
    const at = `artifacts[${index}] (${entry.name})`;
    const binary = binaries.get(entry.contains!);
    if (!binary) return `${at}: contains ${JSON.stringify(entry.contains)}, which is not a binary of the list`;
    if (binary.os !== entry.os || binary.arch !== entry.arch) return `${at}: is for ${platformId({ os: entry.os!, arch: entry.arch! })}, but the binary it contains is for ${platformId({ os: binary.os!, arch: binary.arch! })}`;
    const expected = compressedFileName(binary.name, entry.compression!);
    if (entry.name !== expected) return `${at}: a ${entry.compression} compression of ${binary.name} must be named ${expected}`;
  }
  for (const kind of ['artifact-list', 'checksums'] as const) {
    if (!list.artifacts.some((entry) => entry.kind === kind)) return `it does not list ${FIXED_NAMES[kind]} (kind ${kind})`;
  }
  return undefined;
}

/**
 * artifacts.json's text from `source` (a build directory, a download: untrusted), checked: the
 * schema, then every name against the list (release file names, no duplicates, a binary named for
 * its platform, a compressed binary for the binary it contains). Whether the files are what it says
 * is for the reader to check (against checksums.txt and the bytes).
 */
export function parseArtifactList(text: string | Uint8Array, source: string): ArtifactList {
  const length = typeof text === 'string' ? Buffer.byteLength(text) : text.byteLength;
  if (length > MAX_ARTIFACT_LIST_BYTES) throw new ArtifactListError(`${source} is ${length} bytes, over the limit of ${MAX_ARTIFACT_LIST_BYTES}`);
  let value: unknown;
  try {
    value = JSON.parse(typeof text === 'string' ? text : Buffer.from(text).toString('utf8'));
  } catch (error) {
    throw new ArtifactListError(`${source} is not JSON: ${(error as Error).message}`);
  }
  if (!validate(value)) {
    const format = (value as { format?: unknown } | null)?.format;
    if (value && typeof value === 'object' && !Array.isArray(value) && typeof format === 'string' && format !== ARTIFACT_LIST_FORMAT) {
      throw new ArtifactListError(`${source} has format ${JSON.stringify(format)}; this version reads ${ARTIFACT_LIST_FORMAT} (a newer fctl-kit wrote it?)`);
    }
    const { place, problem } = describeSchemaError(validate.errors);
    throw new ArtifactListError(`${source}: ${place ? `${place} ` : ''}${problem}`);
  }
  const list = value as ArtifactList;
  const problem = entriesProblem(list);
  if (problem) throw new ArtifactListError(`${source}: ${problem}`);
  return list;
}

/** artifacts.json's text: stable (same list, same bytes), one entry a line for reviewing diffs. */
export function formatArtifactList(list: ArtifactList): string {
  return `{\n  "format": ${JSON.stringify(list.format)},\n  "name": ${JSON.stringify(list.name)},\n  "version": ${JSON.stringify(list.version)},\n  "artifacts": [\n${list.artifacts.map((entry) => `    ${JSON.stringify(entry)}`).join(',\n')}\n  ]\n}\n`;
}
