// Installing one release of a plugin from a distribution backend, verified in this order before
// anything becomes visible: checksums.txt against the registry's pin -> its signature with the
// publisher's key -> the binary's sha256 -> the binary's own manifest (its name, and its version
// equal to the registry version). Serialised per plugin across processes; staged, then committed.
import { chmod, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { SingleBar } from 'cli-progress';
import { binaryFileName, CHECKSUMS_FILE, currentPlatform, parseChecksums, sha256File, SIGNATURE_FILE, verifyChecksumsSignature } from '@fctl-kit/artifacts';
import { downloadFile, type DistributionBackend, type DownloadOptions, type Release } from '@fctl-kit/backends';
import type { RegistryPlugin, RegistryVersion } from '@fctl-kit/registry';
import { EXIT } from '../host/failure.js';
import { PluginProcess } from '../host/plugin-process.js';
import { CliError, type Context } from '../cli/context.js';
import type { InstalledVersion } from '../store/plugin-store.js';
import { deprecationWarning } from './deprecation.js';

export const LIMITS = { checksums: 1024 * 1024, signature: 16 * 1024, binary: 512 * 1024 * 1024 };

export interface ReleaseToInstall {
  name: string;
  version: string;
  plugin: RegistryPlugin;
  entry: RegistryVersion;
  backend: DistributionBackend;
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

/** Download tuning from the environment (tests use short stall timeouts and retry delays). */
function downloadTuning(env: NodeJS.ProcessEnv): Pick<DownloadOptions, 'idleTimeoutMs' | 'minRetryDelayMs' | 'retries'> {
  const number = (name: string) => (env[name] && /^\d+$/.test(env[name]!) ? Number(env[name]) : undefined);
  return {
    ...(number('FCTL_DOWNLOAD_STALL_TIMEOUT_MS') !== undefined ? { idleTimeoutMs: number('FCTL_DOWNLOAD_STALL_TIMEOUT_MS') } : {}),
    ...(number('FCTL_DOWNLOAD_RETRY_DELAY_MS') !== undefined ? { minRetryDelayMs: number('FCTL_DOWNLOAD_RETRY_DELAY_MS') } : {}),
    ...(number('FCTL_DOWNLOAD_RETRIES') !== undefined ? { retries: number('FCTL_DOWNLOAD_RETRIES') } : {}),
  };
}

function progressBar(context: Context, label: string): { update(received: number, total?: number): void; stop(ok: boolean): void } {
  const { stderr } = context.io;
  if (!stderr.isTTY) {
    stderr.write(`${label}...`);
    return { update: () => {}, stop: (ok) => stderr.write(ok ? ' done\n' : ' failed\n') };
  }
  const bar = new SingleBar({
    stream: stderr as NodeJS.WritableStream as never,
    format: `${label} [{bar}] {percentage}% | {received} of {size}`,
    hideCursor: true,
    clearOnComplete: false,
  });
  let started = false;
  const size = (bytes: number) => (bytes >= 1e6 ? `${(bytes / 1e6).toFixed(1)} MB` : bytes >= 1e3 ? `${(bytes / 1e3).toFixed(1)} kB` : `${bytes} B`);
  return {
    update(received, total) {
      if (!started) {
        bar.start(total ?? 0, 0, { received: size(0), size: total ? size(total) : '?' });
        started = true;
      }
      bar.update(received, { received: size(received), size: total ? size(total) : '?' });
    },
    stop(ok) {
      if (started) bar.stop();
      stderr.write(ok ? '' : `${label}... failed\n`);
    },
  };
}

export async function installRelease(context: Context, release: ReleaseToInstall): Promise<InstallOutcome> {
  const store = context.plugins;
  const { name, version } = release;
  return store.withPluginLock(name, async () => {
    // What a killed install left behind goes first.
    await store.removeAbandonedStaging();
    await store.removeUnreferenced(name);
    const existing = (await store.get(name))?.versions[version];
    // A release is the same wherever it comes from (plugin version = service version); only a
    // --path install (a development build) is replaced by a released one.
    if (existing && !existing.source.startsWith('path:') && (await sha256File(existing.path).catch(() => '')) === existing.sha256) {
      context.debug.core(`plugin ${name} ${version} is already installed at ${existing.path} (from ${existing.source})`);
      return { version, installed: existing, alreadyInstalled: true };
    }
    const staging = await store.stagingDirectory();
    try {
      const installed = await downloadAndVerify(context, release, staging);
      return { version, installed, alreadyInstalled: false };
    } catch (error) {
      await rm(staging, { recursive: true, force: true });
      if (error instanceof VerificationFailure) throw new CliError(`refusing to install ${name} ${version}: ${error.message}. Nothing was installed.`, EXIT.failed);
      if (error instanceof CliError) throw error;
      if (context.interrupted.aborted) throw new CliError('Interrupted; nothing was installed.', EXIT.interrupted);
      throw new CliError(`installing ${name} ${version} failed: ${(error as Error).message}. Nothing was installed.`, EXIT.failed);
    }
  });
}

/**
 * What vouches for checksums.txt (and so for the binary): the publisher's signature when a key is
 * known, else the registry's pin. With neither, a forged directory (binary and checksums.txt both
 * changed) would pass the checksum check, so it is refused unless the user said
 * --insecure-skip-signature. Returns what was verified, for the "Verifying checksum... ok" line.
 */
async function authenticateChecksums(
  context: Context,
  release: ReleaseToInstall,
  target: Release,
  checksumsText: string,
  signaturePath: string,
  base: DownloadOptions,
): Promise<string> {
  const { backend } = release;
  const fetchSignature = () => downloadFile(backend, target, SIGNATURE_FILE, signaturePath, { ...base, maxBytes: LIMITS.signature }).then(() => readFile(signaturePath, 'utf8'));
  if (release.publicKey) {
    const signature = await fetchSignature().catch((error: Error) => {
      throw new VerificationFailure(`the publisher signs its checksums, but ${SIGNATURE_FILE} cannot be fetched (${error.message})`);
    });
    await verifyChecksumsSignature(checksumsText, signature, release.publicKey).catch((error: Error) => {
      throw new VerificationFailure(error.message);
    });
    return "checksums.txt signed by the publisher's key";
  }
  if (release.entry.checksumsSha256) return 'checksums.txt pinned by the registry; no publisher key, so its signature was not checked';
  const fromDirectory = release.source.startsWith('dir:');
  if (!release.insecureSkipSignature) {
    const signed = await fetchSignature().then(
      () => true,
      () => false,
    );
    const howToCheck = fromDirectory ? "pass the publisher's key with --public-key <file>" : `the registry gives neither a publisher key nor a checksums pin for ${release.name} ${release.version}`;
    throw new VerificationFailure(
      signed
        ? `the release is signed (${SIGNATURE_FILE}), but no public key was given to check the signature: ${howToCheck}, or pass --insecure-skip-signature to install it without checking the signature`
        : `nothing authenticates its checksums.txt (no signature checked, no registry pin), so a forged release would pass the checksum check: ${howToCheck}, or pass --insecure-skip-signature to install it checked only against its own checksums.txt`,
    );
  }
  context.warn(`--insecure-skip-signature: the checksums.txt of ${release.name} ${release.version} is not authenticated; the binary is checked only against the checksums.txt beside it`);
  return 'checksums.txt NOT authenticated: --insecure-skip-signature';
}

async function downloadAndVerify(context: Context, release: ReleaseToInstall, staging: string): Promise<InstalledVersion> {
  const { name, version, backend } = release;
  const platform = currentPlatform();
  const target: Release = { name, version, plugin: release.plugin, entry: release.entry, platform };
  const binaryName = binaryFileName(name, platform);
  const storedName = `fctl-plugin-${name}${platform.os === 'windows' ? '.exe' : ''}`;
  const base: DownloadOptions = {
    maxBytes: LIMITS.checksums,
    signal: context.interrupted,
    onRetry: (message) => context.warn(message),
    ...downloadTuning(context.io.env),
  };
  context.debug.core(`downloading ${name} ${version} from ${backend.describe(target, binaryName)}`);

  const checksumsPath = join(staging, CHECKSUMS_FILE);
  const checksums = await downloadFile(backend, target, CHECKSUMS_FILE, checksumsPath, base);
  const pin = release.entry.checksumsSha256;
  if (pin && checksums.sha256 !== pin) {
    throw new VerificationFailure(`checksums.txt from ${backend.describe(target, CHECKSUMS_FILE)} has sha256 ${checksums.sha256}, but the registry pins ${pin}`);
  }
  const checksumsText = await readFile(checksumsPath, 'utf8');
  const authenticated = await authenticateChecksums(context, release, target, checksumsText, join(staging, SIGNATURE_FILE), base);
  let expected: string | undefined;
  try {
    expected = parseChecksums(checksumsText).get(binaryName);
  } catch (error) {
    throw new VerificationFailure((error as Error).message);
  }
  if (!expected) throw new VerificationFailure(`checksums.txt has no entry for ${binaryName}: the release has no build for ${platform.os}/${platform.arch}`);

  const binaryPath = join(staging, storedName);
  const bar = progressBar(context, `Downloading fctl-plugin-${name} v${version} (${platform.os}/${platform.arch})`);
  let binary;
  try {
    binary = await downloadFile(backend, target, binaryName, binaryPath, { ...base, maxBytes: LIMITS.binary, onProgress: (p) => bar.update(p.received, p.total) });
    bar.stop(true);
  } catch (error) {
    bar.stop(false);
    throw error;
  }
  context.io.stderr.write('Verifying checksum...');
  if (binary.sha256 !== expected) {
    context.io.stderr.write(' failed\n');
    throw new VerificationFailure(`${binaryName} has sha256 ${binary.sha256}, but checksums.txt says ${expected}`);
  }
  context.io.stderr.write(` ok (${authenticated})\n`);
  await chmod(binaryPath, 0o755);

  const plugin = await PluginProcess.start({
    plugin: { name, path: binaryPath },
    coreVersion: context.version,
    handshakeTimeoutMs: context.handshakeTimeoutMs,
    debug: context.debug.core,
    onStderrLine: context.debug.plugin,
  }).catch((error: Error) => {
    throw new VerificationFailure(`the downloaded binary does not start as an fctl plugin: ${error.message.split('\n')[0]}`);
  });
  await plugin.close();
  const { manifest } = plugin;
  if (manifest.name !== name) throw new VerificationFailure(`the binary is the "${manifest.name}" plugin, not "${name}"`);
  if (manifest.version !== version) {
    throw new VerificationFailure(`the binary reports version ${manifest.version}, but the registry version is ${version} (plugin version = service version)`);
  }
  context.debug.core(`verified ${binaryName}: sha256 ${binary.sha256}, manifest ${manifest.name} ${manifest.version}`);
  const installed = await context.plugins.commit(staging, storedName, manifest, {
    compatibleWith: release.entry.compatibleWith,
    source: release.source,
    ...(release.entry.deprecated ? { deprecated: release.entry.deprecated } : {}),
  });
  if (release.entry.deprecated) context.warn(deprecationWarning(name, version, release.entry.deprecated));
  return installed;
}
