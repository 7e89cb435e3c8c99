// Plugin manifests kept on disk, so that `fctl <service> --help` and shell completion need no plugin
// process: a plugin is started only to execute. Two kinds of file, in <config>/cache/manifests/:
//
// - <sha256>.p<offered>.json: the manifest a build reported in its hello, keyed by the sha256 of the
//   plugin file and by the protocol versions this fctl offers ("p1", "p1-2"): the same bytes, offered
//   the same versions, negotiate the same hello. Written at install and whenever a run's live manifest
//   differs from it.
// - file-<sha256 of the path>.json: which sha256 a plugin file has, with the file's identity (size,
//   mtime, ctime, inode, device, in nanoseconds). Hashing a 100 MB binary on every `--help` would cost
//   more than the plugin start it replaces, so the file is hashed again only when its identity
//   differs from the one recorded, or when the record was made within RACY_NS of the file's mtime
//   (git's "racily clean" rule: a write in the same timestamp tick as the record would go unseen).
//   A linked development build (`fctl plugin install --link`, rebuilt by `fctl-kit dev`) is re-read
//   this way after every rebuild; a store build never changes, and its identity proves it cheaply.
//
// Both are local state that may be damaged or hand-edited: each read is bounded, parsed and checked
// (format, the key it must hold, the manifest through checkManifest, its digest); anything else is a
// miss, and the caller starts the plugin as before. Writes are atomic (@fctl-kit/files) and best
// effort: a read-only or full cache directory costs a plugin start, never a failure. Two fctl
// writing one entry at once write the same content for the same key; the last rename wins.
import { createHash } from 'node:crypto';
import { readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { sha256File } from '@fctl-kit/artifacts';
import { readFileBounded, writeFileAtomic } from '@fctl-kit/files';
import { checkManifest, MAX_HELLO_BYTES, type Manifest } from '@fctl-kit/protocol';
import { offeredProtocolVersions } from '../host/protocol-offer.js';

const FORMAT = 1;
/** A manifest entry holds at most a hello's manifest (MAX_HELLO_BYTES, written as compactly) plus a few short fields. */
const MAX_ENTRY_BYTES = MAX_HELLO_BYTES + 16 * 1024;
const MAX_FILE_RECORD_BYTES = 16 * 1024;
/** Coarsest timestamp tick fctl expects of a file system (FAT's 2 s). */
export const RACY_NS = 2_000_000_000n;

export interface FileIdentity {
  size: string;
  mtimeNs: string;
  ctimeNs: string;
  ino: string;
  dev: string;
}

/** A plugin file, as found now: its sha256 and the identity it had when fctl looked. */
export interface IdentifiedFile {
  path: string;
  sha256: string;
  identity: FileIdentity;
  /** True when the sha256 came from the record (no hashing this time). */
  fromRecord: boolean;
}

export interface CachedManifest {
  sha256: string;
  protocolVersion: number;
  manifest: Manifest;
}

const sha256Text = (text: string) => createHash('sha256').update(text).digest('hex');
const isObject = (value: unknown): value is Record<string, unknown> => value !== null && typeof value === 'object' && !Array.isArray(value);
const SHA256 = /^[0-9a-f]{64}$/;
const DIGITS = /^\d{1,40}$/;

async function identityOf(path: string): Promise<FileIdentity | undefined> {
  const info = await stat(path, { bigint: true }).catch(() => undefined);
  if (!info?.isFile()) return undefined;
  return { size: String(info.size), mtimeNs: String(info.mtimeNs), ctimeNs: String(info.ctimeNs), ino: String(info.ino), dev: String(info.dev) };
}

const sameIdentity = (a: FileIdentity, b: FileIdentity) =>
  a.size === b.size && a.mtimeNs === b.mtimeNs && a.ctimeNs === b.ctimeNs && a.ino === b.ino && a.dev === b.dev;


function parseJson(text: string | undefined): Record<string, unknown> | undefined {
  if (text === undefined) return undefined;
  try {
    const value: unknown = JSON.parse(text);
    return isObject(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

function checkIdentity(value: unknown): FileIdentity | undefined {
  if (!isObject(value)) return undefined;
  const fields = ['size', 'mtimeNs', 'ctimeNs', 'ino', 'dev'] as const;
  for (const field of fields) if (typeof value[field] !== 'string' || !DIGITS.test(value[field] as string)) return undefined;
  return Object.fromEntries(fields.map((field) => [field, value[field]])) as unknown as FileIdentity;
}

export class ManifestCache {
  constructor(
    private readonly configDir: string,
    private readonly debug: (line: string) => void = () => {},
    /** The protocol versions this fctl offers in its hello (FCTL_PROTOCOL_VERSIONS, else the host's default), as PluginProcess computes them. */
    private readonly offered: readonly number[] = offeredProtocolVersions(undefined),
  ) {}

  get directory(): string {
    return join(this.configDir, 'cache', 'manifests');
  }

  entryPath(sha256: string): string {
    return join(this.directory, `${sha256}.p${this.offered.join('-')}.json`);
  }

  fileRecordPath(path: string): string {
    return join(this.directory, `file-${sha256Text(path).slice(0, 32)}.json`);
  }

  /** The plugin file's sha256: from its record when its identity is unchanged (and not racily recorded), else hashed. */
  async identify(path: string): Promise<IdentifiedFile | undefined> {
    const identity = await identityOf(path);
    if (!identity) return undefined;
    const record = parseJson(await readFileBounded(this.fileRecordPath(path), MAX_FILE_RECORD_BYTES));
    const recorded = record && checkIdentity(record.identity);
    if (
      record?.format === FORMAT &&
      record.path === path &&
      typeof record.sha256 === 'string' &&
      SHA256.test(record.sha256) &&
      typeof record.checkedNs === 'string' &&
      DIGITS.test(record.checkedNs) &&
      recorded &&
      sameIdentity(recorded, identity) &&
      BigInt(record.checkedNs) - BigInt(identity.mtimeNs) > RACY_NS
    ) {
      return { path, sha256: record.sha256, identity, fromRecord: true };
    }
    let sha256: string;
    try {
      sha256 = await sha256File(path);
    } catch {
      return undefined;
    }
    // Changed while it was read: hashed, but not recorded (the next look hashes again).
    const after = await identityOf(path);
    if (after && sameIdentity(after, identity)) await this.writeFileRecord(path, sha256, identity);
    // A rebuilt file (a linked dev build, at each save): the previous build's entry goes, so that
    // they do not pile up. (Another file with exactly those bytes would pay one plugin start.)
    const previous = record?.path === path && typeof record.sha256 === 'string' && SHA256.test(record.sha256) ? record.sha256 : undefined;
    if (previous && previous !== sha256) await rm(this.entryPath(previous), { force: true }).catch(() => {});
    this.debug(`manifest cache: hashed ${path} (${record ? 'its identity changed or was recorded too recently' : 'not seen before'})`);
    return { path, sha256, identity, fromRecord: false };
  }

  private async writeFileRecord(path: string, sha256: string, identity: FileIdentity): Promise<void> {
    const checkedNs = String(BigInt(Date.now()) * 1_000_000n);
    await this.write(this.fileRecordPath(path), { format: FORMAT, path, sha256, identity, checkedNs });
  }

  /** The cached manifest of the build with this sha256, checked again; undefined for a miss or a damaged entry. */
  async read(sha256: string): Promise<CachedManifest | undefined> {
    if (!SHA256.test(sha256)) return undefined;
    const path = this.entryPath(sha256);
    const text = await readFileBounded(path, MAX_ENTRY_BYTES);
    if (text === undefined) return undefined;
    const entry = parseJson(text);
    try {
      if (!entry || entry.format !== FORMAT) throw new Error('it is not a manifest cache entry of this fctl');
      if (entry.sha256 !== sha256) throw new Error('it is the entry of another build');
      if (!Array.isArray(entry.offered) || entry.offered.join(',') !== this.offered.join(',')) throw new Error('it was negotiated with other protocol versions');
      if (typeof entry.protocolVersion !== 'number' || !this.offered.includes(entry.protocolVersion)) throw new Error('its protocol version is not one fctl offers');
      if (typeof entry.digest !== 'string' || sha256Text(JSON.stringify(entry.manifest)) !== entry.digest) throw new Error('its digest does not match its manifest');
      return { sha256, protocolVersion: entry.protocolVersion, manifest: checkManifest(entry.manifest) };
    } catch (error) {
      this.debug(`manifest cache: ignoring ${path} (${(error as Error).message})`);
      return undefined;
    }
  }

  /** The cached manifest of the file at `path` as it is now (hashing it only when it changed). */
  async lookup(path: string): Promise<{ file: IdentifiedFile; cached: CachedManifest | undefined } | undefined> {
    const file = await this.identify(path);
    if (!file) return undefined;
    return { file, cached: await this.read(file.sha256) };
  }

  /**
   * Keeps the manifest a started plugin reported, unless the file changed since it was identified
   * (then what ran may not be what was hashed). Best effort.
   */
  async remember(file: IdentifiedFile, protocolVersion: number, manifest: Manifest): Promise<void> {
    const now = await identityOf(file.path);
    if (!now || !sameIdentity(now, file.identity)) {
      this.debug(`manifest cache: ${file.path} changed while it ran; its manifest is not kept`);
      return;
    }
    await this.writeEntry(file.sha256, protocolVersion, manifest);
    if (!file.fromRecord) await this.writeFileRecord(file.path, file.sha256, file.identity);
  }

  /**
   * Drops what the cache holds for builds no longer installed (`fctl plugin remove`): each sha256's
   * entries, whatever protocol versions they were negotiated with, and each path's file record.
   * Deletes by name (one unlink each, atomic), reads no entry, so a damaged, hand-edited or missing
   * cache changes nothing; a file that cannot be deleted is left for a debug line, never a failure.
   * `keep`: sha256s still installed (the same bytes under another name or version) keep their entries.
   */
  async forget(builds: ReadonlyArray<{ path: string; sha256: string }>, keep: ReadonlySet<string> = new Set()): Promise<void> {
    const digests = new Set(builds.map((build) => build.sha256).filter((sha256) => SHA256.test(sha256) && !keep.has(sha256)));
    const names = await readdir(this.directory).catch(() => [] as string[]);
    const doomed = names.filter((name) => {
      const match = /^([0-9a-f]{64})\.p[0-9-]+\.json$/.exec(name);
      return match !== null && digests.has(match[1]!);
    }).map((name) => join(this.directory, name));
    for (const build of builds) doomed.push(this.fileRecordPath(build.path));
    for (const path of doomed) {
      await rm(path, { force: true, recursive: true }).catch((error: Error) => this.debug(`manifest cache: ${path} not removed (${error.message})`));
    }
  }

  /** Records the manifest of a build just installed (its sha256 computed by the store). */
  async recordInstalled(path: string, sha256: string, protocolVersion: number, manifest: Manifest): Promise<void> {
    const identity = await identityOf(path);
    if (!identity) return;
    await this.writeEntry(sha256, protocolVersion, manifest);
    await this.writeFileRecord(path, sha256, identity);
  }

  private async writeEntry(sha256: string, protocolVersion: number, manifest: Manifest): Promise<void> {
    await this.write(this.entryPath(sha256), {
      format: FORMAT,
      sha256,
      offered: [...this.offered],
      protocolVersion,
      digest: sha256Text(JSON.stringify(manifest)),
      manifest,
    });
  }

  private async write(path: string, value: unknown): Promise<void> {
    await writeFileAtomic(path, `${JSON.stringify(value)}\n`).catch((error: Error) => this.debug(`manifest cache: not written (${error.message})`));
  }
}

/** The same manifest, as the cache would store it. */
export const sameManifest = (a: Manifest, b: Manifest) => JSON.stringify(a) === JSON.stringify(b);
