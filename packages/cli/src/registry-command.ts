// `fctl-kit registry validate | add | deprecate | retire`: tooling for the repository that holds a
// registry document. Edits keep comments and order, are validated, and are written atomically.
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { Command } from 'commander';
import { refuseSnapshot } from '@fctl-kit/plugin-config';
import { addVersion, deprecateVersion, duplicateServices, lintRegistry, parseRegistry, retireVersions, type Finding } from '@fctl-kit/registry';
import { ALL_PLATFORMS, checkArtifacts } from './registry-artifacts.js';
import { writeFileAtomic } from '@fctl-kit/files';
import { sha256File } from '@fctl-kit/artifacts';
import { terminalText } from '@fctl-kit/protocol';
import { guardRange } from './release/range-guard.js';

function report(findings: Finding[]): number {
  for (const finding of findings) process.stderr.write(`${finding.level === 'error' ? 'error' : 'warning'}: ${terminalText(finding.message, { multiline: true })}\n`);
  return findings.some((f) => f.level === 'error') ? 1 : 0;
}

async function edit(file: string, change: (text: string, source: string) => string): Promise<void> {
  const path = resolve(file);
  const text = await readFile(path, 'utf8');
  await writeFileAtomic(path, change(text, path), { mode: 'preserve' });
}

export function addRegistryCommands(program: Command): void {
  const registry = program.command('registry').description('Maintain a plugin registry document (registry.yaml)');

  registry
    .command('validate')
    .description('Check a registry: schema, naming policy, semver keys and ranges; warn on overlapping ranges')
    .argument('<file>')
    .option('--check-artifacts', 'Also fetch every release from its backend, for every platform, and verify it against its checksums')
    .option('--platforms <list>', 'With --check-artifacts: os-arch pairs to require (default: all six)')
    .action(async (file: string, options: { checkArtifacts?: boolean; platforms?: string }) => {
      const path = resolve(file);
      const document = parseRegistry(await readFile(path), path);
      const findings = lintRegistry(document);
      let checked = 0;
      if (options.checkArtifacts) {
        const platforms = options.platforms
          ? options.platforms.split(',').map((p) => {
              const found = ALL_PLATFORMS.find((q) => `${q.os}-${q.arch}` === p.trim());
              if (!found) throw new Error(`unknown platform "${p}": expected ${ALL_PLATFORMS.map((q) => `${q.os}-${q.arch}`).join(', ')}`);
              return found;
            })
          : ALL_PLATFORMS;
        const artifacts = await checkArtifacts(document, platforms, (name, version) => process.stderr.isTTY && process.stderr.write(`checking ${name} ${version}...\n`));
        findings.push(...artifacts.findings, ...duplicateServices(artifacts.services));
        checked = artifacts.checked;
      }
      const code = report(findings);
      const plugins = Object.keys(document.plugins).length;
      const versions = Object.values(document.plugins).reduce((n, p) => n + Object.keys(p.versions).length, 0);
      process.stderr.write(`${path}: ${plugins} plugins, ${versions} versions${options.checkArtifacts ? `, ${checked} binaries verified` : ''}; ${findings.filter((f) => f.level === 'error').length} errors, ${findings.filter((f) => f.level === 'warning').length} warnings\n`);
      process.exitCode = code;
    });

  registry
    .command('add')
    .description('Add a released version of a plugin (kept in semver order)')
    .argument('<file>')
    .argument('<name>')
    .argument('<version>')
    .requiredOption('--compatible-with <range>', 'Service versions this plugin version serves')
    .option('--from <directory>', 'The release directory: pins the sha256 of its checksums.txt')
    .option('--checksums-sha256 <hex>', 'Pin this sha256 of checksums.txt')
    .option('--url <template>', 'url backend: where this version is fetched from')
    .action(async (file: string, name: string, version: string, options: { compatibleWith: string; from?: string; checksumsSha256?: string; url?: string }) => {
      refuseSnapshot('fctl-kit registry add', { env: process.env });
      const pin = options.checksumsSha256 ?? (options.from ? await sha256File(resolve(options.from, 'checksums.txt')) : undefined);
      let notes: string[] = [];
      await edit(file, (text, source) => {
        const next = addVersion(text, source, name, version, { compatibleWith: options.compatibleWith, ...(pin ? { checksumsSha256: pin } : {}), ...(options.url ? { url: options.url } : {}) });
        // The release's guard: a version outside its own range, or past a higher version's, is not written.
        notes = guardRange(name, version, options.compatibleWith, { text, source });
        return next;
      });
      process.stderr.write(`Added ${name} ${version} (compatible with ${options.compatibleWith}${pin ? `, checksums.txt pinned to ${pin}` : ''}).\n`);
      for (const note of notes) process.stderr.write(`  ${terminalText(note)}\n`);
    });

  registry
    .command('deprecate')
    .description('Mark a version deprecated: fctl warns on install and on every execution')
    .argument('<file>')
    .argument('<name>')
    .argument('<version>')
    .requiredOption('--message <text>', 'Shown to users, e.g. "Ledger v3.x reaches end-of-life on 2027-03-01"')
    .action(async (file: string, name: string, version: string, options: { message: string }) => {
      await edit(file, (text, source) => deprecateVersion(text, source, name, version, options.message));
      process.stderr.write(`Deprecated ${name} ${version}.\n`);
    });

  registry
    .command('retire')
    .description('Remove versions from the registry (installed copies keep working; new installs are refused)')
    .argument('<file>')
    .argument('<name>')
    .option('--version <version>', 'Retire this version')
    .option('--below <version>', 'Retire every version below this one')
    .action(async (file: string, name: string, options: { version?: string; below?: string }) => {
      if (Boolean(options.version) === Boolean(options.below)) throw new Error('retire takes exactly one of --version and --below');
      let removed: string[] = [];
      await edit(file, (text, source) => {
        const result = retireVersions(text, source, name, options);
        removed = result.removed;
        return result.text;
      });
      process.stderr.write(`Retired ${name} ${removed.join(', ')}.\n`);
    });
}
