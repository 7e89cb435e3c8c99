// `fctl-kit release <plugin-dir>`: the steps verify-version -> check-registry -> build -> verify-build
// -> publish -> register (release.ts), as configured in the "release" section of fctl-plugin.json.
// A JSON summary on stdout (with every step's outcome and duration); one line per step on stderr.
import type { Command } from 'commander';
import { hostTarget, targetInfo } from '@fctl-kit/binaries';
import { addReleaseCoreCommand } from './core-release-command.js';
import { githubTokenFrom } from './publish-to.js';
import { releasePlugin } from './release.js';
import { escapeTerminalUnsafe, terminalText } from '@fctl-kit/protocol';

export function addReleaseCommand(program: Command): void {
  program
    .command('release')
    .description('Release a plugin: verify the version, build every platform (signed), publish to the configured backends, register the version')
    .argument('<plugin-dir>', 'The plugin directory, e.g. cmd/fctl-plugin')
    .option('--build-dir <dir>', 'Release this build (e.g. the output of build-all) instead of building')
    .option('--out <dir>', 'Where to build (default: <plugin-dir>/dist/release)')
    .option('--targets <list>', 'Comma-separated targets to build, or "host" (default: every target)')
    .option('--signing-key <file>', 'PEM private key (ECDSA P-256) that signs checksums.txt; or set FCTL_KIT_SIGNING_KEY')
    .option('--token-file <file>', 'GitHub token for github backends and registry pull requests (default: GITHUB_TOKEN)')
    .option('--dry-run', 'Print every step\'s plan (the checks run); build, upload and write nothing (with --build-dir: each backend\'s exact plan)')
    .action(async (dir: string, options: { buildDir?: string; out?: string; targets?: string; signingKey?: string; tokenFile?: string; dryRun?: boolean }) => {
      const token = await githubTokenFrom(options.tokenFile);
      const summary = await releasePlugin(dir, {
        ...(options.buildDir ? { buildDir: options.buildDir } : {}),
        ...(options.out ? { outDir: options.out } : {}),
        ...(options.targets ? { targets: options.targets.split(',').map((id) => (id.trim() === 'host' ? hostTarget().id : targetInfo(id.trim()).id)) } : {}),
        ...(options.signingKey ? { signingKeyFile: options.signingKey } : {}),
        ...(token ? { token } : {}),
        dryRun: Boolean(options.dryRun),
        log: (line) => process.stderr.write(`${terminalText(line, { multiline: true })}\n`),
      });
      process.stdout.write(`${escapeTerminalUnsafe(JSON.stringify(summary, null, 2))}\n`);
    });
  addReleaseCoreCommand(program);
}
