// Installing one release of a plugin from its sources, in order: each source is verified in this
// order before anything becomes visible: checksums.txt against the registry's pin -> its signature
// with the publisher's key -> artifacts.json against checksums.txt -> the (compressed) binary's
// sha256, and the decompressed binary's -> the binary's own manifest (its name, and its version
// equal to the registry version). A source that fails any of it is reported and the next one is
// tried; the pin and the key keep every mirror honest. Serialised per plugin across processes;
// staged, then committed.
import { chmod, readFile, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import {
  ARTIFACTS_FILE,
  binaryFileName,
  CHECKSUMS_FILE,
  currentPlatform,
  MAX_ARTIFACT_LIST_BYTES,
  parseArtifactList,
  parseChecksums,
  sha256File,
  SIGNATURE_FILE,
  SIGSTORE_BUNDLE_FILE,
  verifySignedChecksums,
  type ArtifactEntry,
  type ChecksumsSignatures,
  type Platform,
} from '@fctl-kit/artifacts';
import { decodingFor, downloadFile, type DownloadOptions, type RegistrySource, type SourceFiles } from '@fctl-kit/backends';
import type { Manifest } from '@fctl-kit/protocol';
import type { RegistryPlugin, RegistryVersion } from '@fctl-kit/registry';
import { UserError } from '../errors.js';
import { EXIT } from '../host/failure.js';
import { PluginProcess } from '../host/plugin-process.js';
import { byteSize } from '../session/byte-size.js';
import type { Session } from '../session/session.js';
import type { InstalledVersion } from '../store/plugin-store.js';
import { deprecationWarning } from './deprecation.js';
import { candidatesFor } from './sources.js';

export const LIMITS = { checksums: 1024 * 1024, signature: 16 * 1024, binary: 512 * 1024 * 1024 };

export interface ReleaseToInstall {
  name: string;
  version: string;
  plugin: RegistryPlugin;
  entry: RegistryVersion;
  /** Where the files are, in the order they are tried: the registry version's sources, or the --from directory. */
  sources: readonly RegistrySource[];
  /** Recorded in plugins.json: "registry:<location>" or "dir:<path>". */
  source: string;
  /** The publisher's public key (PEM): checksums.txt must carry a valid signature. */
  publicKey?: string;
  /** --insecure-skip-signature: install a release whose checksums.txt nothing authenticates. */
  insecureSkipSignature?: boolean;
}

export interface InstallOutcome {
  version: string;
  installed: InstalledVersion;
  alreadyInstalled: boolean;
}

class VerificationFailure extends Error {}
/** A refusal no other source can change (nothing the registry gives authenticates the release): no further source is tried. */
class UnauthenticatedRelease extends VerificationFailure {}

/** Download tuning from the environment (tests use short stall timeouts and retry delays). */
function downloadTuning(env: NodeJS.ProcessEnv): Pick<DownloadOptions, 'idleTimeoutMs' | 'minRetryDelayMs' | 'retries'> {
  const number = (name: string) => (env[name] && /^\d+$/.test(env[name]!) ? Number(env[name]) : undefined);
  return {
    ...(number('FCTL_DOWNLOAD_STALL_TIMEOUT_MS') !== undefined ? { idleTimeoutMs: number('FCTL_DOWNLOAD_STALL_TIMEOUT_MS') } : {}),
    ...(number('FCTL_DOWNLOAD_RETRY_DELAY_MS') !== undefined ? { minRetryDelayMs: number('FCTL_DOWNLOAD_RETRY_DELAY_MS') } : {}),
    ...(number('FCTL_DOWNLOAD_RETRIES') !== undefined ? { retries: number('FCTL_DOWNLOAD_RETRIES') } : {}),
  };
}

export async function installRelease(session: Session, release: ReleaseToInstall): Promise<InstallOutcome> {
  const store = session.plugins;
  const { name, version } = release;
  return store.withPluginLock(name, async () => {
    // What a killed install left behind goes first.
    await store.removeAbandonedStaging();
    await store.removeUnreferenced(name);
    const existing = (await store.get(name))?.versions[version];
    // A release is the same wherever it comes from (plugin version = service version); only a
    // --path install (a development build) is replaced by a released one.
    if (existing && !existing.source.startsWith('path:') && (await sha256File(existing.path).catch(() => '')) === existing.sha256) {
      session.report.debug(`plugin ${name} ${version} is already installed at ${existing.path} (from ${existing.source})`);
      return { version, installed: existing, alreadyInstalled: true };
    }
    const platform = currentPlatform();
    const candidates = candidatesFor(release.sources, { name, version, platform }, session.env);
    const tried = candidates.filter((candidate) => !('skipped' in candidate));
    const several = tried.length > 1;
    const failures: Array<{ label: string; error: Error }> = [];
    for (const candidate of candidates) {
      if ('skipped' in candidate) {
        session.report.warn(`${candidate.label} skipped: ${candidate.skipped}`);
        continue;
      }
      const remaining = tried.length - failures.length - 1;
      const failed = (error: Error) => {
        failures.push({ label: candidate.label, error });
        if (several) session.report.status(`${candidate.label} failed: ${error.message}${remaining > 0 ? '; trying the next source' : ''}\n`);
      };
      if ('unusable' in candidate) {
        failed(new Error(candidate.unusable));
        continue;
      }
      if (session.interrupted.aborted) throw new UserError('Interrupted; nothing was installed.', EXIT.interrupted);
      // Each source gets its own staging directory, removed when it fails: nothing of a failed source stays.
      const staging = await store.stagingDirectory();
      let verified: Verified;
      try {
        verified = await downloadAndVerify(session, release, candidate.files, platform, staging);
      } catch (error) {
        await rm(staging, { recursive: true, force: true });
        if (session.interrupted.aborted) throw new UserError('Interrupted; nothing was installed.', EXIT.interrupted);
        if (error instanceof UnauthenticatedRelease) throw new UserError(`refusing to install ${name} ${version}: ${error.message}. Nothing was installed.`, EXIT.failed);
        if (error instanceof UserError) throw error;
        failed(error as Error);
        continue;
      }
      try {
        const installed = await store.commit(staging, verified.storedName, verified.manifest, {
          compatibleWith: release.entry.compatibleWith,
          source: release.source,
          protocolVersion: verified.protocolVersion,
          ...(release.entry.deprecated ? { deprecated: release.entry.deprecated } : {}),
        });
        if (failures.length) session.report.status(`Installed from ${candidate.label}\n`);
        if (release.entry.deprecated) session.report.warn(deprecationWarning(name, version, release.entry.deprecated));
        return { version, installed, alreadyInstalled: false };
      } catch (error) {
        await rm(staging, { recursive: true, force: true });
        if (error instanceof UserError) throw error;
        throw new UserError(`installing ${name} ${version} failed: ${(error as Error).message}. Nothing was installed.`, EXIT.failed);
      }
    }
    if (!tried.length) {
      throw new UserError(`cannot install ${name} ${version}: none of its sources is of a kind this fctl knows (${candidates.map((candidate) => candidate.label).join(', ')}). Nothing was installed.`, EXIT.failed);
    }
    if (failures.length === 1) {
      const [{ error }] = failures as [{ label: string; error: Error }];
      if (error instanceof VerificationFailure) throw new UserError(`refusing to install ${name} ${version}: ${error.message}. Nothing was installed.`, EXIT.failed);
      throw new UserError(`installing ${name} ${version} failed: ${error.message}. Nothing was installed.`, EXIT.failed);
    }
    const lines = failures.map(({ label, error }) => `  ${label}: ${error instanceof VerificationFailure ? 'refused: ' : ''}${error.message}`);
    throw new UserError(`cannot install ${name} ${version} from any of its ${failures.length} sources:\n${lines.join('\n')}\nNothing was installed.`, EXIT.failed);
  });
}

/**
 * What vouches for checksums.txt (and so for the binary): the publisher's signature when a key is
 * known, else the registry's pin. With neither, a forged directory (binary and checksums.txt both
 * changed) would pass the checksum check, so it is refused unless the user said
 * --insecure-skip-signature. Returns what was verified, for the "Verifying checksum... ok" line.
 */
async function authenticateChecksums(
  session: Session,
  release: ReleaseToInstall,
  files: SourceFiles,
  checksumsText: string,
  signaturePath: string,
  base: DownloadOptions,
): Promise<string> {
  const fetchText = (name: string, path: string) => downloadFile(files, name, path, { ...base, maxBytes: LIMITS.signature }).then(() => readFile(path, 'utf8'));
  const fetchSignature = () => fetchText(SIGNATURE_FILE, signaturePath);
  const fetchBundle = () => fetchText(SIGSTORE_BUNDLE_FILE, join(dirname(signaturePath), SIGSTORE_BUNDLE_FILE));
  if (release.publicKey) {
    // checksums.txt.sig first; the Sigstore bundle only when the .sig cannot be fetched. A .sig that
    // is there and does not verify is refused, never worked around with the bundle.
    const signature = await fetchSignature().catch((error: Error) => error);
    let signatures: ChecksumsSignatures;
    if (typeof signature === 'string') signatures = { signature };
    else {
      const bundle = await fetchBundle().catch((error: Error) => {
        throw new VerificationFailure(`the publisher signs its checksums, but ${SIGNATURE_FILE} cannot be fetched (${signature.message}), nor ${SIGSTORE_BUNDLE_FILE} (${error.message})`);
      });
      signatures = { bundle };
    }
    await verifySignedChecksums(checksumsText, signatures, release.publicKey).catch((error: Error) => {
      throw new VerificationFailure(error.message);
    });
    return signatures.bundle === undefined ? "checksums.txt signed by the publisher's key" : `checksums.txt signed by the publisher's key, verified from its Sigstore bundle (${SIGSTORE_BUNDLE_FILE})`;
  }
  if (release.entry.checksumsSha256) return 'checksums.txt pinned by the registry; no publisher key, so its signature was not checked';
  const fromDirectory = release.source.startsWith('dir:');
  if (!release.insecureSkipSignature) {
    const signed = await fetchSignature().then(
      () => SIGNATURE_FILE,
      () => fetchBundle().then(() => SIGSTORE_BUNDLE_FILE, () => undefined),
    );
    const howToCheck = fromDirectory ? "pass the publisher's key with --public-key <file>" : `the registry gives neither a publisher key nor a checksums pin for ${release.name} ${release.version}`;
    throw new UnauthenticatedRelease(
      signed
        ? `the release is signed (${signed}), but no public key was given to check the signature: ${howToCheck}, or pass --insecure-skip-signature to install it without checking the signature`
        : `nothing authenticates its checksums.txt (no signature checked, no registry pin), so a forged release would pass the checksum check: ${howToCheck}, or pass --insecure-skip-signature to install it checked only against its own checksums.txt`,
    );
  }
  session.report.warn(`--insecure-skip-signature: the checksums.txt of ${release.name} ${release.version} is not authenticated; the binary is checked only against the checksums.txt beside it`);
  return 'checksums.txt NOT authenticated: --insecure-skip-signature';
}

interface Verified {
  storedName: string;
  manifest: Manifest;
  /** The version it negotiated when started for verification: its manifest is cached for help and completion. */
  protocolVersion: number;
}

/** What artifacts.json says about this platform's binary: its compressed copy (when the release has one) and its size. */
interface ListedBinary {
  compressed?: ArtifactEntry & { size: number };
  /** The binary's size: a compressed binary that decodes to more is refused as soon as it does. */
  size?: number;
}

/** Reads artifacts.json when checksums.txt lists it: checked against its line first, then parsed and validated. */
async function listedBinary(files: SourceFiles, listed: Map<string, string>, release: ReleaseToInstall, binaryName: string, platform: Platform, staging: string, base: DownloadOptions): Promise<ListedBinary> {
  const expected = listed.get(ARTIFACTS_FILE);
  if (!expected) return {};
  const path = join(staging, ARTIFACTS_FILE);
  const got = await downloadFile(files, ARTIFACTS_FILE, path, { ...base, maxBytes: MAX_ARTIFACT_LIST_BYTES });
  if (got.sha256 !== expected) throw new VerificationFailure(`${ARTIFACTS_FILE} from ${files.describe(ARTIFACTS_FILE)} has sha256 ${got.sha256}, but checksums.txt says ${expected}`);
  let list;
  try {
    list = parseArtifactList(await readFile(path), files.describe(ARTIFACTS_FILE));
  } catch (error) {
    throw new VerificationFailure((error as Error).message);
  }
  if (list.name !== release.name || list.version !== release.version) {
    throw new VerificationFailure(`${ARTIFACTS_FILE} is the list of ${list.name} ${list.version}, not of ${release.name} ${release.version}`);
  }
  // checksums.txt and artifacts.json are both authenticated: where they disagree, neither is used.
  const agrees = (entry: ArtifactEntry) => {
    if (listed.get(entry.name) !== entry.sha256) {
      throw new VerificationFailure(`${ARTIFACTS_FILE} lists ${entry.name} with sha256 ${entry.sha256}, but checksums.txt ${listed.has(entry.name) ? `says ${listed.get(entry.name)}` : 'does not list it'}`);
    }
    return entry as ArtifactEntry & { size: number };
  };
  const binary = list.artifacts.find((artifact) => artifact.kind === 'binary' && artifact.name === binaryName);
  const compressed = list.artifacts.find((artifact) => artifact.kind === 'compressed-binary' && artifact.os === platform.os && artifact.arch === platform.arch && artifact.contains === binaryName);
  return { ...(binary ? { size: agrees(binary).size } : {}), ...(compressed ? { compressed: agrees(compressed) } : {}) };
}

/** Downloads the release from one source into `staging` and verifies it; throws a VerificationFailure or a DownloadError. */
async function downloadAndVerify(session: Session, release: ReleaseToInstall, files: SourceFiles, platform: Platform, staging: string): Promise<Verified> {
  const { name, version } = release;
  const binaryName = binaryFileName(name, platform);
  const storedName = `fctl-plugin-${name}${platform.os === 'windows' ? '.exe' : ''}`;
  const base: DownloadOptions = {
    maxBytes: LIMITS.checksums,
    signal: session.interrupted,
    onRetry: (message) => session.report.warn(message),
    ...downloadTuning(session.env),
  };
  session.report.debug(`downloading ${name} ${version} from ${files.describe(binaryName)}`);

  const checksumsPath = join(staging, CHECKSUMS_FILE);
  const checksums = await downloadFile(files, CHECKSUMS_FILE, checksumsPath, base);
  const pin = release.entry.checksumsSha256;
  if (pin && checksums.sha256 !== pin) {
    throw new VerificationFailure(`checksums.txt from ${files.describe(CHECKSUMS_FILE)} has sha256 ${checksums.sha256}, but the registry pins ${pin}`);
  }
  const checksumsText = await readFile(checksumsPath, 'utf8');
  const authenticated = await authenticateChecksums(session, release, files, checksumsText, join(staging, SIGNATURE_FILE), base);
  let listed: Map<string, string>;
  try {
    listed = parseChecksums(checksumsText);
  } catch (error) {
    throw new VerificationFailure((error as Error).message);
  }
  const expected = listed.get(binaryName);
  if (!expected) throw new VerificationFailure(`checksums.txt has no entry for ${binaryName}: the release has no build for ${platform.os}/${platform.arch}`);
  // The compressed binary when the release has one (a compressed binary that fails is this source's
  // failure, never a reason to fetch the raw one); the raw binary only for releases without.
  const { compressed, size } = await listedBinary(files, listed, release, binaryName, platform, staging, base);
  const decoding = compressed ? decodingFor(compressed, Math.min(size ?? LIMITS.binary, LIMITS.binary)) : undefined;

  const binaryPath = join(staging, storedName);
  const fetched = compressed ? compressed.name : binaryName;
  const bar = session.report.progress(`Downloading fctl-plugin-${name} v${version} (${platform.os}/${platform.arch}${compressed ? `, ${byteSize(compressed.size)} ${compressed.compression}` : ''})`);
  let binary;
  try {
    binary = await downloadFile(files, fetched, binaryPath, { ...base, maxBytes: compressed ? Math.min(compressed.size, LIMITS.binary) : LIMITS.binary, ...(decoding ? { decoding } : {}), onProgress: (p) => bar.update(p.received, p.total) });
    bar.stop(true);
  } catch (error) {
    bar.stop(false);
    throw error;
  }
  session.report.status('Verifying checksum...');
  const mismatch =
    binary.sha256 !== listed.get(fetched)
      ? `${fetched} has sha256 ${binary.sha256}, but checksums.txt says ${listed.get(fetched)}`
      : binary.decoded && binary.decoded.sha256 !== expected
        ? `${fetched} decompresses to sha256 ${binary.decoded.sha256}, but checksums.txt says ${expected} for ${binaryName}`
        : undefined;
  if (mismatch) {
    session.report.status(' failed\n');
    throw new VerificationFailure(mismatch);
  }
  session.report.status(` ok (${authenticated})\n`);
  await chmod(binaryPath, 0o755);

  const plugin = await PluginProcess.start({
    plugin: { name, path: binaryPath },
    coreVersion: session.version,
    handshakeTimeoutMs: session.handshakeTimeoutMs,
    debug: session.report.debug,
    onStderrLine: session.report.pluginStderr,
  }).catch((error: Error) => {
    throw new VerificationFailure(`the downloaded binary does not start as an fctl plugin: ${error.message.split('\n')[0]}`);
  });
  await plugin.close();
  const { manifest } = plugin;
  if (manifest.name !== name) throw new VerificationFailure(`the binary is the "${manifest.name}" plugin, not "${name}"`);
  if (manifest.version !== version) {
    throw new VerificationFailure(`the binary reports version ${manifest.version}, but the registry version is ${version} (plugin version = service version)`);
  }
  session.report.debug(`verified ${binaryName}: sha256 ${binary.decoded?.sha256 ?? binary.sha256}${compressed ? ` (from ${fetched}, sha256 ${binary.sha256})` : ''}, manifest ${manifest.name} ${manifest.version}`);
  return { storedName, manifest, protocolVersion: plugin.protocolVersion };
}
