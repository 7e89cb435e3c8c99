// `fctl-kit build`, `fctl-kit keygen`, `fctl-kit runtime lock`, `fctl-kit verify`.
import { writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import {
  buildPlugin,
  DEFAULT_COMPRESSION,
  DEFAULT_NODE_VERSION,
  formatCompression,
  DEFAULT_RUNTIME_LOCK,
  DEFAULT_RUNTIME_LOCK_NAME,
  defaultCacheDir,
  hostTarget,
  lockRuntimes,
  parseCompression,
  readRuntimeLock,
  TARGETS,
  targetInfo,
  writeRuntimeLock,
  type BuildProgress,
  type CompressionSetting,
} from '@fctl-kit/binaries';
import { serviceVersion } from '@fctl-kit/plugin-config';
import { generateSigningKey, SIGNATURE_FILE, signingKeyFrom, verifyReleaseDirectory } from '@fctl-kit/artifacts';
import { readFile, stat } from 'node:fs/promises';
import { escapeTerminalUnsafe } from '@fctl-kit/protocol';

const list = (value: string) => value.split(',').map((item) => item.trim()).filter(Boolean);

function progressPrinter(enabled: boolean): (event: BuildProgress) => void {
  return (event) => {
    if (!enabled) return;
    const what = event.step === 'target' ? event.target : event.step === 'compress' ? `compress ${event.target}` : event.step;
    if (event.state === 'start') process.stderr.write(`  ${what}: started\n`);
    else process.stderr.write(`  ${what}: done (${((event.ms ?? 0) / 1000).toFixed(1)}s)\n`);
  };
}

async function loadLock(path: string | undefined) {
  return path ? { lock: await readRuntimeLock(path), name: path } : { lock: DEFAULT_RUNTIME_LOCK, name: DEFAULT_RUNTIME_LOCK_NAME };
}

/** Where a build goes without --out: beside the sources, where compat (host) and release (all) look. */
export function defaultBuildDir(sourceDir: string, targets: readonly string[] | undefined): string {
  const hostOnly = targets !== undefined && targets.length > 0 && targets.every((id) => id === 'host' || id === hostTarget().id);
  return join(resolve(sourceDir), 'dist', hostOnly ? 'host' : 'release');
}

export function addBuildCommands(program: Command): void {
  program
    .command('build')
    .description('Build self-contained plugin binaries for every target, each also xz-compressed, with artifacts.json, checksums.txt (and its signature)')
    .argument('<source-dir>', 'The plugin directory, e.g. cmd/fctl-plugin')
    .option('--service-version <version>', "The service version; it becomes the plugin version (default: the source named in the plugin's fctl-plugin.json)")
    .option('--out <dir>', 'Output directory (default: <source-dir>/dist/host for --targets host, where fctl-kit compat looks; else <source-dir>/dist/release, as fctl-kit release)')
    .option('--targets <list>', `Comma-separated targets (default: every target of the lock): ${TARGETS.map((t) => t.id).join(', ')}, or "host"`, list)
    .option('--node <version>', 'Node version of the runtimes', DEFAULT_NODE_VERSION)
    .option('--lock <file>', 'Runtime lock file (default: the one shipped with fctl-kit)')
    .option('--signing-key <file>', 'PEM private key (ECDSA P-256) to sign checksums.txt; or set FCTL_KIT_SIGNING_KEY')
    .option('--concurrency <n>', 'Targets built at once (default: the number of CPUs)', (value) => Number(value))
    .option(
      '--compression <preset|none>',
      `The compressed copy of each binary, <binary>.xz: an xz preset 0 (fastest) to 9 (smallest), or none (default: FCTL_KIT_COMPRESSION, else ${formatCompression(DEFAULT_COMPRESSION)})`,
      (value) => parseCompression(value),
    )
    .action(async (sourceDir: string, options: { serviceVersion?: string; out?: string; targets?: string[]; node: string; lock?: string; signingKey?: string; concurrency?: number; compression?: CompressionSetting }) => {
      const targets = options.targets?.map((id) => (id === 'host' ? hostTarget().id : targetInfo(id).id));
      const version = options.serviceVersion ?? (await serviceVersion(sourceDir).catch((error: Error) => {
        throw new Error(`no --service-version, and ${error.message}`);
      })).version;
      const summary = await buildPlugin({
        sourceDir,
        outDir: resolve(options.out ?? defaultBuildDir(sourceDir, options.targets)),
        serviceVersion: version,
        targets,
        nodeVersion: options.node,
        lock: await loadLock(options.lock),
        signingKey: await signingKeyFrom({ file: options.signingKey }),
        concurrency: options.concurrency,
        ...(options.compression ? { compression: options.compression } : {}),
        onProgress: progressPrinter(Boolean(process.stderr.isTTY)),
      });
      process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
    });

  program
    .command('keygen')
    .description('Create an ECDSA P-256 key pair for signing checksums.txt (private key file mode 0600)')
    .requiredOption('--out <prefix>', 'Writes <prefix>.key and <prefix>.pub')
    .action(async (options: { out: string }) => {
      const { privateKey, publicKey } = generateSigningKey();
      await writeFile(`${options.out}.key`, privateKey, { mode: 0o600, flag: 'wx' });
      await writeFile(`${options.out}.pub`, publicKey, { flag: 'wx' });
      process.stdout.write(`${JSON.stringify({ privateKey: resolve(`${options.out}.key`), publicKey: resolve(`${options.out}.pub`) })}\n`);
    });

  const runtime = program.command('runtime').description('Node runtimes used to build plugin binaries');
  runtime
    .command('lock')
    .description('Download the runtimes of a Node version and record their hashes in a lock file (review the change)')
    .option('--node <version>', 'Node version', DEFAULT_NODE_VERSION)
    .requiredOption('--lock <file>', 'Lock file to create or extend')
    .option('--targets <list>', 'Comma-separated targets (default: all)', list)
    .action(async (options: { node: string; lock: string; targets?: string[] }) => {
      const current = await readRuntimeLock(options.lock).catch(() => ({ lockfileVersion: 1 as const, runtimes: {} }));
      const targets = (options.targets ?? TARGETS.map((t) => t.id)).map(targetInfo);
      const updated = await lockRuntimes(current, options.node, targets, defaultCacheDir());
      writeRuntimeLock(options.lock, updated);
      process.stdout.write(`${JSON.stringify(updated.runtimes[options.node], null, 2)}\n`);
    });

  program
    .command('verify')
    .description('Verify a build or release directory as an installer does: the signature of checksums.txt, then every file it lists')
    .argument('<dir>')
    .option('--public-key <file>', "The publisher's public key (PEM): checksums.txt.sig must verify with it")
    .option('--insecure-skip-signature', 'Without a key: check the files against checksums.txt only (nothing then authenticates checksums.txt)')
    .action(async (dir: string, options: { publicKey?: string; insecureSkipSignature?: boolean }) => {
      const key = options.publicKey ? await readFile(options.publicKey, 'utf8') : undefined;
      const signed = await stat(join(dir, SIGNATURE_FILE)).then(() => true, () => false);
      if (!key && !options.insecureSkipSignature) {
        throw new Error(
          signed
            ? `${join(dir, SIGNATURE_FILE)} is there, but no --public-key was given to check it: pass the publisher's key with --public-key <file>, or --insecure-skip-signature to check the files against checksums.txt only`
            : `${dir} has no ${SIGNATURE_FILE} and no --public-key was given: nothing authenticates its checksums.txt, so an installer refuses it. Pass --insecure-skip-signature to check the files against checksums.txt only`,
        );
      }
      const checked = await verifyReleaseDirectory(dir, key);
      process.stderr.write(
        key
          ? `Verified: checksums.txt is signed by the publisher's key, and the ${checked.length} files it lists match it.\n`
          : `Checked: the ${checked.length} files listed in checksums.txt match it. checksums.txt itself was NOT signature-checked (--insecure-skip-signature): this proves consistency, not who published it.\n`,
      );
      process.stdout.write(`${escapeTerminalUnsafe(JSON.stringify({ verified: checked, signature: Boolean(key) }))}\n`);
    });
}
