// `fctl-kit release-core <core-dir>`: fctl itself released like a plugin, for the compat matrix
// (docs/compat.md, "Released cores"): build the self-contained binaries (buildCore), publish them
// to one backend (publishCoreRelease; run again with another backend for a mirror), and register
// the version in a registry's `cores` section (registerCoreRelease). A JSON summary on stdout.
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { sha256File, signingKeyFrom } from '@fctl-kit/artifacts';
import { BACKEND_KINDS, backendNamed, publishCoreRelease } from '@fctl-kit/backends';
import { buildCore, hostTarget, targetInfo } from '@fctl-kit/binaries';
import { writeFileAtomic } from '@fctl-kit/files';
import { escapeTerminalUnsafe, SUPPORTED_PROTOCOL_VERSIONS, terminalText } from '@fctl-kit/protocol';
import { registerCoreRelease } from '@fctl-kit/registry';
import { configFromFlags, publishFlags } from './publish-command.js';
import { githubTokenFrom, publishReport } from './publish-to.js';

interface ReleaseCoreOptions {
  version?: string;
  protocolVersions?: string;
  buildDir?: string;
  out?: string;
  targets?: string;
  signingKey?: string;
  backend?: string;
  registry?: string;
  publicKey?: string;
  tokenFile?: string;
  dryRun?: boolean;
  [flag: string]: unknown;
}

function parseProtocols(text: string): number[] {
  const versions = text.split(',').map((part) => part.trim());
  if (!versions.every((part) => /^\d{1,7}$/.test(part) && SUPPORTED_PROTOCOL_VERSIONS.includes(Number(part)))) {
    throw new Error(`--protocol-versions lists protocol versions fctl speaks (${SUPPORTED_PROTOCOL_VERSIONS.join(', ')}), comma-separated; got ${JSON.stringify(text)}`);
  }
  return [...new Set(versions.map(Number))].sort((a, b) => a - b);
}

async function releaseCore(coreDir: string, options: ReleaseCoreOptions, log: (line: string) => void): Promise<unknown> {
  const dir = resolve(coreDir);
  const version = options.version ?? (JSON.parse(await readFile(join(dir, 'package.json'), 'utf8')) as { version: string }).version;
  const pinned = options.protocolVersions !== undefined ? parseProtocols(options.protocolVersions) : undefined;
  const protocolVersions = pinned ?? [...SUPPORTED_PROTOCOL_VERSIONS];
  const config = options.backend ? await configFromFlags(backendNamed(options.backend), options, process.cwd()) : undefined;
  if (options.registry && !config) throw new Error('--registry records where the release was published: give --backend and its flags');
  let buildDir = options.buildDir ? resolve(options.buildDir) : undefined;
  if (!buildDir) {
    buildDir = resolve(options.out ?? join(dir, 'dist', 'core-release', version));
    if (options.dryRun) log(`would build fctl ${version} into ${buildDir}`);
    else {
      log(`building fctl ${version}${pinned ? ` (offering protocol ${pinned.join(', ')})` : ''} into ${buildDir}`);
      await buildCore({
        coreDir: dir,
        outDir: buildDir,
        version,
        ...(pinned ? { protocolVersions: pinned } : {}),
        ...(options.targets ? { targets: options.targets.split(',').map((id) => (id.trim() === 'host' ? hostTarget().id : targetInfo(id.trim()).id)) } : {}),
        signingKey: await signingKeyFrom({ ...(options.signingKey ? { file: options.signingKey } : {}) }),
      });
    }
  }
  if (!config || (options.dryRun && !options.buildDir)) return { version, protocolVersions, buildDir, dryRun: Boolean(options.dryRun) };
  const token = await githubTokenFrom(options.tokenFile);
  const [run] = await publishCoreRelease(buildDir, version, [config], { env: process.env, ...(token ? { token } : {}) }, { dryRun: Boolean(options.dryRun) });
  const published = publishReport(run!, { name: 'fctl', version });
  let registered: boolean | undefined;
  if (options.registry && !options.dryRun) {
    const path = resolve(options.registry);
    const text = await readFile(path, 'utf8');
    const publicKey = options.publicKey ? await readFile(resolve(options.publicKey), 'utf8') : undefined;
    const entry = { checksumsSha256: await sha256File(join(buildDir, 'checksums.txt')), protocolVersions, sources: [published.source] };
    const result = registerCoreRelease(text, path, version, entry, publicKey ? { publicKey } : {});
    if (result.changed) await writeFileAtomic(path, result.text, { mode: 'preserve' });
    registered = result.changed;
    log(result.changed ? `registered fctl ${version} in ${path}` : `fctl ${version} is already registered in ${path} with this source`);
  }
  return { version, protocolVersions, buildDir, published, ...(registered !== undefined ? { registered } : {}) };
}

export function addReleaseCoreCommand(program: Command): void {
  const command = program
    .command('release-core')
    .description("Release fctl itself for the compat matrix: build its self-contained binaries, publish them to a backend, register the version in a registry's cores section")
    .argument('<core-dir>', "fctl's package, e.g. packages/core")
    .option('--version <version>', "The version the binaries report and are released as (default: the package's)")
    .option('--protocol-versions <list>', "Pin the protocol versions the build offers, e.g. 1 (default: every version fctl speaks, not pinned)")
    .option('--build-dir <dir>', 'Publish this build (an earlier release-core output) instead of building')
    .option('--out <dir>', 'Where to build (default: <core-dir>/dist/core-release/<version>)')
    .option('--targets <list>', 'Comma-separated targets to build, or "host" (default: every target)')
    .option('--signing-key <file>', 'PEM private key (ECDSA P-256) that signs checksums.txt; or set FCTL_KIT_SIGNING_KEY')
    .option('--backend <kind>', `Publish to this backend: ${BACKEND_KINDS.join(', ')} (without it: build only)`);
  for (const flag of publishFlags()) command.option(`${flag.flag} <${flag.value}>`, flag.description);
  command
    .option('--registry <file>', 'Register the release in this registry file (its cores section)')
    .option('--public-key <file>', 'The key recorded when the registry has no cores section yet')
    .option('--token-file <file>', 'A file holding the token, for backends that take one (default: GITHUB_TOKEN)')
    .option('--dry-run', "Print the backend's plan; build nothing without --build-dir, upload and write nothing")
    .action(async (coreDir: string, options: ReleaseCoreOptions) => {
      const summary = await releaseCore(coreDir, options, (line) => process.stderr.write(`${terminalText(line)}\n`));
      process.stdout.write(`${escapeTerminalUnsafe(JSON.stringify(summary, null, 2))}\n`);
    });
}
