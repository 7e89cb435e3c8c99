// `fctl-kit version <plugin-dir>` prints the plugin version (the service version fctl-plugin.json
// points at); `fctl-kit version bump <major|minor|patch|X.Y.Z> [plugin-dir]` moves it everywhere it
// is written (version-bump.ts).
import type { Command } from 'commander';
import { serviceVersion } from '@fctl-kit/plugin-config';
import { terminalText } from '@fctl-kit/protocol';
import { applyBump, planBump } from './version-bump.js';

export function addVersionCommand(program: Command): void {
  const version = program
    .command('version')
    .description("Print the service version the plugin's fctl-plugin.json points at (the plugin version); `version bump` changes it")
    .argument('<plugin-dir>', 'The plugin directory, e.g. cmd/fctl-plugin')
    .action(async (dir: string) => {
      const { version: current } = await serviceVersion(dir);
      process.stdout.write(`${current}\n`);
    });

  version
    .command('bump')
    .description('Bump the version everywhere it is written: the service version source, the plugin package, compatibleWith when the release line changes, the compat scenarios (checked first, then written)')
    .argument('<bump>', 'major, minor, patch, or a version like 1.5.0')
    .argument('[plugin-dir]', 'The plugin directory', '.')
    .option('--dry-run', 'Print what would change, write nothing')
    .action(async (bump: string, dir: string, options: { dryRun?: boolean }) => {
      const plan = await planBump(dir, bump);
      if (!options.dryRun) await applyBump(plan);
      const verb = options.dryRun ? 'would change' : 'changed';
      for (const change of plan.changes) process.stderr.write(terminalText(`${verb} ${change.file}: ${change.what}`) + '\n');
      if (plan.tag) process.stderr.write(`The version source is the release tag: commit ${plan.changes.length ? 'these changes' : 'your work'}, then run: git tag ${plan.tag}\n`);
      process.stdout.write(`${plan.to}\n`);
    });
}
