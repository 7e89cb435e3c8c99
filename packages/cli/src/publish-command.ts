// `fctl-kit publish`: a build directory to a distribution backend, verified first, idempotent, with
// a JSON summary of what was done (or, with --dry-run, of what would be).
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { readBuildRelease } from '@fctl-kit/backends';
import { verifyDirectorySignature } from '@fctl-kit/artifacts';
import { githubTokenFrom, publishTo } from './publish-to.js';
import type { ReleaseBackend } from './release-config.js';
import { escapeTerminalUnsafe, terminalText } from '@fctl-kit/protocol';

const AVAILABLE = ['url', 'oci', 'github-releases', 'private-releases'];

interface PublishFlags {
  backend: string;
  to?: string;
  repo?: string;
  apiUrl?: string;
  publicBase?: string;
}

function backendFromFlags(options: PublishFlags): ReleaseBackend {
  if (options.backend === 'github-releases' || options.backend === 'private-releases') {
    if (!options.repo) throw new Error(`--backend ${options.backend} needs --repo owner/name`);
    return { backend: options.backend, repo: options.repo, ...(options.apiUrl ? { apiUrl: options.apiUrl } : {}) };
  }
  if (!options.to) throw new Error(`--backend ${options.backend} needs --to`);
  if (options.backend === 'oci') return { backend: 'oci', to: options.to };
  return { backend: 'url', to: /^https?:\/\//i.test(options.to) ? options.to : resolve(options.to), ...(options.publicBase ? { publicBase: options.publicBase } : {}) };
}

export function addPublishCommand(program: Command): void {
  program
    .command('publish')
    .description('Publish a build directory (fctl-kit build output) to a distribution backend')
    .argument('<build-dir>')
    .option('--backend <name>', `Distribution backend: ${AVAILABLE.join(', ')}`, 'url')
    .option('--to <location>', 'url: a directory laid out for static hosting, or an http(s) base URL accepting PUT; oci: a repository, host[:port]/path (credentials from Docker config.json)')
    .option('--repo <owner/name>', 'github-releases, private-releases: the repository (the release is tagged v<version>)')
    .option('--api-url <url>', 'github-releases, private-releases: the API URL of a GitHub Enterprise server (default https://api.github.com)')
    .option('--token-file <file>', 'github-releases, private-releases: a file holding the token (default: GITHUB_TOKEN)')
    .option('--public-base <url>', 'url backend: the URL the directory is served from, for the registry entry')
    .option('--public-key <file>', "Verify checksums.txt.sig with the publisher's public key before publishing")
    .option('--dry-run', 'Print what would be uploaded where, and upload nothing')
    .action(async (dir: string, options: { backend: string; to?: string; repo?: string; apiUrl?: string; tokenFile?: string; publicBase?: string; publicKey?: string; dryRun?: boolean }) => {
      if (!AVAILABLE.includes(options.backend)) throw new Error(`unknown or unavailable backend "${options.backend}": available: ${AVAILABLE.join(', ')}`);
      const buildDir = resolve(dir);
      // The build directory is checked (names, regular files only) before anything in it is read.
      const release = await readBuildRelease(buildDir);
      if (options.publicKey) await verifyDirectorySignature(buildDir, await readFile(resolve(options.publicKey), 'utf8'));
      const onUpload = process.stderr.isTTY ? (file: string, bytes: number) => process.stderr.write(`  uploading ${terminalText(file)} (${(bytes / 1e6).toFixed(1)} MB)\n`) : undefined;
      const summary = await publishTo(backendFromFlags(options), release, {
        dryRun: options.dryRun,
        ...(onUpload ? { onUpload } : {}),
        ...(options.backend.endsWith('releases') ? { token: await githubTokenFrom(options.tokenFile) } : {}),
      });
      if (options.dryRun) {
        for (const step of summary.steps) {
          const verb = step.action === 'skip' ? `skip    ${step.reason}` : `${options.dryRun ? 'would upload' : 'uploaded'} ${step.bytes} bytes`;
          process.stderr.write(`  ${terminalText(`${step.file}: ${verb}`)}\n`);
        }
        process.stderr.write(`Dry run: nothing uploaded to ${terminalText(summary.location)}\n`);
      } else if (process.stderr.isTTY) {
        process.stderr.write(`${terminalText(`Published ${release.name} ${release.version} to ${summary.location}`)} (${(summary.bytesUploaded / 1e6).toFixed(1)} MB uploaded)\n`);
      }
      process.stdout.write(`${escapeTerminalUnsafe(JSON.stringify(summary, null, 2))}\n`);
    });
}
