// `fctl-kit publish`: a build directory to a distribution backend, verified first, idempotent, with
// a JSON summary of what was done (or, with --dry-run, of the plan: every action and why). The
// backends, their flags and the help come from the one list of backends (@fctl-kit/backends).
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { BACKEND_KINDS, BACKENDS, backendNamed, checkFlagValues, flagName as flagOf, publishWith, readBuildRelease, refusalError, type Backend, type PublishPlan, type ReleaseArtifacts } from '@fctl-kit/backends';
import { verifyDirectorySignature } from '@fctl-kit/artifacts';
import { refuseSnapshot } from '@fctl-kit/plugin-config';
import { escapeTerminalUnsafe, terminalText } from '@fctl-kit/protocol';
import { githubTokenFrom, publishReport } from './publish-to.js';

/** The backend when --backend is not given. */
const DEFAULT_BACKEND = 'url';

export interface PublishFlag {
  field: string;
  flag: string;
  value: string;
  description: string;
}

/** Each config field some backend takes, as one flag (--to for url and oci alike), described per backend. */
export function publishFlags(backends: readonly Backend[] = BACKENDS): PublishFlag[] {
  const byField = new Map<string, { values: Set<string>; uses: Map<string, string[]> }>();
  for (const backend of backends) {
    for (const flag of backend.flags) {
      const entry = byField.get(flag.field) ?? { values: new Set<string>(), uses: new Map<string, string[]>() };
      entry.values.add(flag.value);
      entry.uses.set(flag.description, [...(entry.uses.get(flag.description) ?? []), backend.kind]);
      byField.set(flag.field, entry);
    }
  }
  return [...byField].map(([field, { values, uses }]) => ({
    field,
    flag: flagOf(field),
    value: [...values].join('|'),
    description: [...uses].map(([description, kinds]) => `${kinds.join(', ')}: ${description}`).join('; '),
  }));
}

/** The config the flags give for `backend`: its required flags present, no flag of another backend. */
export async function configFromFlags(backend: Backend, given: Record<string, unknown>, base: string) {
  const own = new Set(backend.flags.map((flag) => flag.field));
  const foreign = publishFlags().find((flag) => given[flag.field] !== undefined && !own.has(flag.field));
  if (foreign) {
    const takes = backend.flags.map((flag) => flagOf(flag.field)).join(', ') || 'no flag of its own';
    throw new Error(`${foreign.flag} does not apply to --backend ${backend.kind} (it takes ${takes})`);
  }
  const values: Record<string, string> = {};
  for (const flag of backend.flags) {
    const value = given[flag.field];
    if (typeof value === 'string') values[flag.field] = value;
    else if (flag.required) throw new Error(`--backend ${backend.kind} needs ${flagOf(flag.field)} <${flag.value}>`);
  }
  await checkFlagValues(backend, values);
  return backend.configFrom(values, base);
}

function printPlan(plan: PublishPlan): void {
  process.stderr.write(`${terminalText(`Plan for ${plan.location} (${plan.backend}):`)}\n`);
  for (const action of plan.actions) {
    const bytes = action.action === 'skip' || !action.bytes ? '' : ` (${action.bytes} bytes)`;
    process.stderr.write(`  ${terminalText(`${action.action.padEnd(7)} ${action.subject}${bytes}${action.reason ? `: ${action.reason}` : ''}`)}\n`);
  }
  for (const refusal of plan.refusals) process.stderr.write(`  ${terminalText(`refused ${refusal}`)}\n`);
}

export function addPublishCommand(program: Command): void {
  const command = program
    .command('publish')
    .description('Publish a build directory (fctl-kit build output) to a distribution backend')
    .argument('<build-dir>')
    .option('--backend <kind>', `Distribution backend: ${BACKEND_KINDS.join(', ')}`, DEFAULT_BACKEND);
  for (const flag of publishFlags()) command.option(`${flag.flag} <${flag.value}>`, flag.description);
  command
    .option('--token-file <file>', 'A file holding the token, for backends that take one (default: GITHUB_TOKEN)')
    .option('--public-key <file>', "Verify checksums.txt.sig with the publisher's public key before publishing")
    .option('--dry-run', 'Print the plan (every upload, skip and refusal, and why), and change nothing')
    .addHelpText('after', `\nBackends:\n${BACKENDS.map((backend) => `  ${backend.kind.padEnd(18)} ${backend.summary}`).join('\n')}\n`)
    .action(async (dir: string, options: Record<string, unknown> & { backend: string; tokenFile?: string; publicKey?: string; dryRun?: boolean }) => {
      // A build made in snapshot mode carries a version no tag names: it is never published.
      refuseSnapshot('fctl-kit publish', { env: process.env });
      const backend = backendNamed(options.backend);
      const config = await configFromFlags(backend, options, process.cwd());
      const buildDir = resolve(dir);
      // The build directory is checked (names, regular files only) before anything in it is read.
      const release = (await readBuildRelease(buildDir)) as ReleaseArtifacts;
      if (options.publicKey) await verifyDirectorySignature(buildDir, await readFile(resolve(options.publicKey), 'utf8'));
      const onUpload = process.stderr.isTTY ? (file: string, bytes: number) => process.stderr.write(`  uploading ${terminalText(file)} (${(bytes / 1e6).toFixed(1)} MB)\n`) : undefined;
      const token = await githubTokenFrom(options.tokenFile);
      const run = await publishWith(config, release, { env: process.env, ...(token ? { token } : {}), ...(onUpload ? { onUpload } : {}) }, { dryRun: Boolean(options.dryRun) });
      const report = publishReport(run, release);
      if (run.dryRun) {
        printPlan(run.plan);
        process.stderr.write(`Dry run: nothing uploaded to ${terminalText(report.location)}\n`);
      } else if (process.stderr.isTTY) {
        process.stderr.write(`${terminalText(`Published ${release.name} ${release.version} to ${report.location}`)} (${(report.bytesUploaded / 1e6).toFixed(1)} MB uploaded)\n`);
      }
      process.stdout.write(`${escapeTerminalUnsafe(JSON.stringify(report, null, 2))}\n`);
      // A dry run reports what a real run would refuse, and fails as it would.
      if (run.dryRun && run.plan.refusals.length) throw refusalError(run.plan);
    });
}
