// `fctl-kit publish`: a build directory to a distribution backend, verified first, idempotent, with
// a JSON summary of what was done (or, with --dry-run, of what would be).
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { publishToOci, publishToUrl, readBuildRelease } from '@fctl-kit/backends';
import { verifyReleaseDirectory } from '@fctl-kit/build';

const AVAILABLE = ['url', 'oci'];

export function addPublishCommand(program: Command): void {
  program
    .command('publish')
    .description('Publish a build directory (fctl-kit build output) to a distribution backend')
    .argument('<build-dir>')
    .option('--backend <name>', `Distribution backend: ${AVAILABLE.join(', ')}`, 'url')
    .requiredOption('--to <location>', 'url: a directory laid out for static hosting, or an http(s) base URL accepting PUT; oci: a repository, host[:port]/path (credentials from Docker config.json)')
    .option('--public-base <url>', 'url backend: the URL the directory is served from, for the registry entry')
    .option('--public-key <file>', "Verify checksums.txt.sig with the publisher's public key before publishing")
    .option('--dry-run', 'Print what would be uploaded where, and upload nothing')
    .action(async (dir: string, options: { backend: string; to: string; publicBase?: string; publicKey?: string; dryRun?: boolean }) => {
      if (!AVAILABLE.includes(options.backend)) throw new Error(`unknown or unavailable backend "${options.backend}": available: ${AVAILABLE.join(', ')}`);
      const buildDir = resolve(dir);
      const publicKey = options.publicKey ? await readFile(resolve(options.publicKey), 'utf8') : undefined;
      await verifyReleaseDirectory(buildDir, publicKey);
      const release = await readBuildRelease(buildDir);
      const summary =
        options.backend === 'oci'
          ? await publishToOci(release, { to: options.to, dryRun: options.dryRun })
          : await publishToUrl(release, { to: /^https?:\/\//i.test(options.to) ? options.to : resolve(options.to), dryRun: options.dryRun, ...(options.publicBase ? { publicBase: options.publicBase } : {}) });
      if (process.stderr.isTTY || options.dryRun) {
        for (const step of summary.steps) {
          const verb = step.action === 'skip' ? `skip    ${step.reason}` : `${options.dryRun ? 'would upload' : 'uploaded'} ${step.bytes} bytes`;
          process.stderr.write(`  ${step.file}: ${verb}\n`);
        }
        process.stderr.write(`${options.dryRun ? 'Dry run: nothing uploaded' : `Published ${release.name} ${release.version}`} to ${summary.location}\n`);
      }
      process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
    });
}
