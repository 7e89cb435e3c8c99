// `fctl-kit release <plugin-dir>`: the release of a plugin from a tagged commit, as an ordered list
// of named steps (release/steps.ts runs them) that keeps the version rule and leaves nothing
// half-done that a re-run cannot finish:
//   verify-version -> check-registry (it accepts this release, and its compatibleWith range) ->
//   build (signed) -> verify-build (the built range checked again, the protocol versions the plugin
//   speaks read, its scenarios checked) ->
//   publish (to every configured backend at once) -> register (a registry file, or a pull request).
// Every step is idempotent (builds are reproducible, publishing skips what is there, registering
// the same release again changes nothing but appending new mirrors), so a failed release is
// finished by running it again. `--dry-run` plans every step and builds, uploads and writes nothing.
import { createPublicKey, type KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { displayUrl, proposeFileChange, publishWith, readBuildRelease, readRepositoryFile, refusalError, type ReleaseArtifacts } from '@fctl-kit/backends';
import { signingKeyFrom, verifyDirectorySignature } from '@fctl-kit/artifacts';
import { buildPlugin, type BuildProgress } from '@fctl-kit/binaries';
import { readPluginConfig, refuseSnapshot } from '@fctl-kit/plugin-config';
import { parseRegistry, registerRelease, type NewVersion } from '@fctl-kit/registry';
import { writeFileAtomic } from '@fctl-kit/files';
import { publishReport, type PublishReport } from './publish-to.js';
import { readReleaseConfig, type ReleaseConfig, type ReleaseBackend } from './release-config.js';
import { builtProtocolVersions, checkBuiltScenarios } from './release/compatibility.js';
import { checkRegistryAccepts, describeSource } from './release/registry-check.js';
import { guardRange } from './release/range-guard.js';
import { findSourceRange } from './plugin-source-range.js';
import { runSteps, type Step, type StepReport } from './release/steps.js';
import { verifyVersion } from './verify-version.js';

export { StepError } from './release/steps.js';

export class ReleaseError extends Error {}

export interface ReleaseOptions {
  /** Use this build (e.g. Nx's build-all output) instead of building. */
  buildDir?: string;
  /** Where to build (default <plugin-dir>/dist/release). */
  outDir?: string;
  targets?: string[];
  signingKeyFile?: string;
  token?: string;
  dryRun?: boolean;
  env?: NodeJS.ProcessEnv;
  log: (line: string) => void;
  onBuildProgress?: (event: BuildProgress) => void;
}

export type RegistryOutcome = { file: string; changed: boolean } | { repo: string; path: string; pullRequest?: { number: number; url: string; created: boolean }; changed: boolean };

export interface ReleaseSummary {
  name: string;
  version: string;
  /** The build released (on a dry run without --build-dir: where it would be built). */
  buildDir: string;
  dryRun: boolean;
  /** Each backend's publish summary (a dry run: its plan, when a build exists to plan with). */
  published: PublishReport[];
  /** What happened to the registry (a dry run: what would, when it can be known before publishing). */
  registry?: RegistryOutcome;
  /** Every step in order: done, skipped (and why) or, on a dry run, planned; with its duration. */
  steps: StepReport[];
}

/** What the steps share: the configuration, and what each step learns for the next. */
export interface ReleaseState {
  dir: string;
  name: string;
  config: ReleaseConfig;
  options: ReleaseOptions;
  signingKey?: KeyObject;
  publicKey?: string;
  version?: string;
  /** The registry as read before anything was built or published. */
  registry?: { text: string; source: string; listed: boolean };
  buildDir?: string;
  release?: ReleaseArtifacts;
  entry?: NewVersion & { checksumsSha256: string };
  published?: PublishReport[];
  registered?: RegistryOutcome;
}

const need = <T>(value: T | undefined, what: string): T => {
  if (value === undefined) throw new ReleaseError(`internal: ${what} is not known yet`);
  return value;
};

async function requireVersionRule(dir: string, options: { buildDir?: string }) {
  const report = await verifyVersion(dir, options);
  if (report.problems.length) throw new ReleaseError(`plugin version = service version is broken:\n${report.problems.map((p) => `  - ${p}`).join('\n')}`);
  return report;
}

function describeBackend(backend: ReleaseBackend): string {
  if ('repo' in backend) return `${backend.backend} ${String(backend.repo)}`;
  if ('bucket' in backend) return `${backend.backend} ${String(backend.bucket)}`;
  const to = String(backend.to);
  return `${backend.backend} ${/^https?:\/\//i.test(to) ? displayUrl(new URL(to)) : to}`;
}

const registryWhere = (config: ReleaseConfig) => (config.registry ? ('file' in config.registry ? config.registry.file : `${config.registry.github.repo}:${config.registry.github.path}`) : '');

async function readRegistry(state: ReleaseState): Promise<{ text: string; source: string }> {
  const target = state.config.registry!;
  if ('file' in target) {
    const text = await readFile(target.file, 'utf8').catch(() => {
      throw new ReleaseError(`the registry file ${target.file} does not exist (create it with "plugins: {}" to start a registry)`);
    });
    return { text, source: target.file };
  }
  const { repo, path, base, apiUrl } = target.github;
  const { token, env } = state.options;
  const text = await readRepositoryFile({ repo, path, ...(base ? { ref: base } : {}), ...(apiUrl ? { apiUrl } : {}), ...(token ? { token } : {}), ...(env ? { env } : {}) });
  return { text, source: `${repo}:${path}` };
}

// verify-version: the service version, the release tag on HEAD and the plugin package agree. Reads only: a dry run checks it too.
async function checkVersion(state: ReleaseState) {
  const { service } = await requireVersionRule(state.dir, {});
  refuseSnapshot('fctl-kit release', { env: state.options.env ?? process.env, version: service });
  state.version = service.version;
  return { status: 'done' as const, summary: `${state.name} ${service.version} (${service.from}): the service version, the release tag and the plugin agree` };
}

// check-registry: read-only too.
async function checkRegistry(state: ReleaseState) {
  const written = await findSourceRange(state.dir);
  if (!state.config.registry) {
    if (written.found) guardRange(state.name, need(state.version, 'the version'), written.range);
    return { status: 'skipped' as const, reason: 'the release section has no "registry": nothing is checked or registered' };
  }
  const read = await readRegistry(state);
  const { listed, sources } = checkRegistryAccepts(read.text, read.source, state.name, state.config.backends, state.publicKey);
  state.registry = { ...read, listed };
  // The range as the source writes it (when it is a plain literal), so that a dry run refuses a bad
  // range before any build; verify-build checks the built manifest's range, which is what is registered.
  const details = written.found ? guardRange(state.name, need(state.version, 'the version'), written.range, read) : [];
  return {
    status: 'done' as const,
    ...(details.length ? { details } : {}),
    summary: listed
      ? `${read.source} lists ${state.name} at ${sources.map(describeSource).join(', ')}: the release publishes there${state.publicKey ? ', signed by the key it expects' : ''}`
      : `${read.source} does not list ${state.name} yet: it is added${state.publicKey ? ' with the signing key\'s publicKey' : ''}`,
  };
}

function buildDirOf(state: ReleaseState): string {
  return resolve(state.options.buildDir ?? state.options.outDir ?? join(state.dir, 'dist', 'release'));
}

// verify-build: the built version, the signature, compatibleWith, and that the registry does not hold this version with other content.
async function checkBuild(state: ReleaseState) {
  const buildDir = need(state.buildDir, 'the build directory');
  await requireVersionRule(state.dir, { buildDir });
  const release = (await readBuildRelease(buildDir)) as ReleaseArtifacts;
  if (state.publicKey) await verifyDirectorySignature(buildDir, state.publicKey);
  if (state.registry && !release.compatibleWith) throw new ReleaseError(`${state.name} declares no compatibleWith range (createPlugin({ compatibleWith })): the registry needs the service versions it serves`);
  const scenarios = await checkBuiltScenarios(state.dir, release);
  const protocolVersions = await builtProtocolVersions(release);
  const entry = { compatibleWith: release.compatibleWith ?? '', checksumsSha256: release.files.find((file) => file.name === 'checksums.txt')!.sha256, protocolVersions };
  const notes = release.compatibleWith ? guardRange(state.name, need(state.version, 'the version'), release.compatibleWith, state.registry) : [];
  // A version the registry already has with other content is refused before anything is uploaded.
  // Only a registered version: a new one has no sources until it is published, and registering it
  // without any would leave it to the plugin's legacy fields, which a registry written by releases has not.
  const version = need(state.version, 'the version');
  if (state.registry?.listed && parseRegistry(state.registry.text, state.registry.source).plugins[state.name]?.versions[version]) {
    registerRelease(state.registry.text, state.registry.source, state.name, version, { distribution: {}, entry });
  }
  state.release = release;
  state.entry = entry;
  return {
    status: 'done' as const,
    summary: `${buildDir}: ${release.name} ${release.version}, ${release.files.length} files match checksums.txt${state.publicKey ? ', signature verified' : ', unsigned'}${release.compatibleWith ? `, compatibleWith "${release.compatibleWith}"` : ''}, speaks protocol ${protocolVersions.join(', ')}, ${scenarios ? `${scenarios} compat scenario(s) in scenarios.yaml` : 'no compat scenarios'}`,
    ...(notes.length ? { details: notes } : {}),
  };
}

/**
 * Publishes (or plans) to every backend at once. One failing does not stop the others: what could
 * be published is, the failures are reported together, and a re-run finishes the rest.
 */
async function publishEverywhere(state: ReleaseState, dryRun: boolean): Promise<{ reports: PublishReport[]; lines: string[] }> {
  const { options, config } = state;
  const release = need(state.release, 'the build');
  const outcomes = await Promise.allSettled(
    config.backends.map(async (backend) => {
      const run = await publishWith(backend, release, { env: options.env ?? process.env, ...(options.token ? { token: options.token } : {}) }, { dryRun });
      // A dry run fails where the real run would refuse.
      if (run.dryRun && run.plan.refusals.length) throw refusalError(run.plan);
      return publishReport(run, release);
    }),
  );
  const failed = outcomes.flatMap((outcome, index) => (outcome.status === 'rejected' ? [`${describeBackend(config.backends[index]!)}: ${(outcome.reason as Error).message}`] : []));
  if (failed.length) {
    throw new ReleaseError(`publishing failed, so nothing was registered:\n${failed.map((f) => `  - ${f}`).join('\n')}\nRun the release again to finish it: what is published is kept, the rest is uploaded.`);
  }
  const reports = outcomes.map((outcome) => (outcome as PromiseFulfilledResult<PublishReport>).value);
  const lines = reports.flatMap((report) => {
    const uploads = report.actions.filter((action) => action.action !== 'skip').length;
    const head = `${dryRun ? 'would publish' : 'published'} to ${report.location} (${report.backend}): ${uploads} action(s), ${report.actions.length - uploads} already there; source ${describeSource(report.source)}`;
    return dryRun ? [head, ...report.actions.map((action) => `  ${action.action.padEnd(7)} ${action.subject}${action.bytes ? ` (${action.bytes} bytes)` : ''}${action.reason ? `: ${action.reason}` : ''}`)] : [head];
  });
  return { reports, lines };
}

/** The registry text with this release recorded: the version with every backend's source, in release.backends' order. */
function changeFor(state: ReleaseState, published: PublishReport[]) {
  const { name, publicKey } = state;
  const version = need(state.version, 'the version');
  const registry = need(state.registry, 'the registry');
  const entry = { ...need(state.entry, 'the registry entry'), sources: published.map((report) => report.source) };
  // A plugin the registry does not list yet gets only its publicKey: where its files are is per version.
  return (text: string) => registerRelease(text, registry.source, name, version, { distribution: publicKey ? { publicKey } : {}, entry });
}

async function register(state: ReleaseState, dryRun: boolean) {
  const { name, options, config } = state;
  const version = need(state.version, 'the version');
  const published = need(state.published, 'what was published');
  const registry = need(state.registry, 'the registry');
  const change = changeFor(state, published);
  const target = config.registry!;
  if ('file' in target) {
    const { text, changed } = change(registry.text);
    if (changed && !dryRun) await writeFileAtomic(target.file, text, { mode: 'preserve' });
    state.registered = { file: target.file, changed };
    return changed
      ? { status: 'done' as const, summary: `${dryRun ? 'would register' : 'registered'} ${name} ${version} in ${target.file} (sources: ${published.map((p) => describeSource(p.source)).join(', ')})` }
      : { status: 'skipped' as const, reason: `${target.file} already lists ${name} ${version} with every source` };
  }
  const github = target.github;
  const where = `${github.repo}:${github.path}`;
  if (dryRun) {
    const { changed } = change(registry.text);
    state.registered = { repo: github.repo, path: github.path, changed };
    return changed ? { status: 'done' as const, summary: `would open a pull request registering ${name} ${version} in ${where}` } : { status: 'skipped' as const, reason: `${where} already lists ${name} ${version} with every source` };
  }
  const entry = need(state.entry, 'the registry entry');
  const outcome = await proposeFileChange({
    ...github,
    branch: `fctl-kit/${name}-${version}`,
    title: `${name} ${version}`,
    body: `Registers fctl-plugin-${name} ${version} (compatible with ${entry.compatibleWith}), released by fctl-kit.\n\nchecksums.txt sha256: \`${entry.checksumsSha256}\`\nSpeaks protocol versions: ${entry.protocolVersions?.join(', ') ?? 'unknown'}\nPublished to (sources, in order):\n${published.map((p) => `- ${p.backend}: ${p.location}`).join('\n')}\n`,
    commitMessage: `Register ${name} ${version}`,
    ...(options.token ? { token: options.token } : {}),
    ...(options.env ? { env: options.env } : {}),
    change: (text) => {
      const next = change(text);
      return next.changed ? next.text : undefined;
    },
  });
  state.registered = { repo: github.repo, path: github.path, changed: outcome.committed, ...(outcome.pullRequest ? { pullRequest: outcome.pullRequest } : {}) };
  if (!outcome.pullRequest) return { status: 'skipped' as const, reason: `${where} already lists ${name} ${version} with every source` };
  return { status: 'done' as const, summary: `${outcome.pullRequest.created ? 'opened' : 'found'} pull request ${outcome.pullRequest.url}` };
}

/** The steps of a release, in order. */
export const RELEASE_STEPS: readonly Step<ReleaseState>[] = [
  { name: 'verify-version', plan: async (state) => ({ action: 'run', summary: (await checkVersion(state)).summary }), run: checkVersion },
  {
    name: 'check-registry',
    async plan(state) {
      const result = await checkRegistry(state);
      return result.status === 'skipped' ? { action: 'skip', reason: result.reason } : { action: 'run', summary: result.summary, ...(result.details ? { details: result.details } : {}) };
    },
    run: checkRegistry,
  },
  {
    name: 'build',
    async plan(state) {
      if (state.options.buildDir) {
        state.buildDir = buildDirOf(state);
        return { action: 'skip', reason: `--build-dir: releasing the build in ${state.buildDir}` };
      }
      const targets = state.options.targets?.join(', ') ?? 'every target';
      return { action: 'run', summary: `build ${state.name} ${need(state.version, 'the version')} for ${targets} into ${buildDirOf(state)}, ${state.signingKey ? 'signed' : 'unsigned'} (not built on a dry run)` };
    },
    async run(state) {
      state.buildDir = buildDirOf(state);
      if (state.options.buildDir) return { status: 'skipped', reason: `--build-dir: releasing the build in ${state.buildDir}` };
      const { options, signingKey } = state;
      await buildPlugin({ sourceDir: state.dir, outDir: state.buildDir, serviceVersion: need(state.version, 'the version'), ...(options.targets ? { targets: options.targets } : {}), ...(signingKey ? { signingKey } : {}), ...(options.onBuildProgress ? { onProgress: options.onBuildProgress } : {}) });
      return { status: 'done', summary: `built into ${state.buildDir}` };
    },
  },
  {
    name: 'verify-build',
    async plan(state) {
      if (!state.buildDir) return { action: 'run', summary: 'after the build: its version, every file against checksums.txt, the signature, the protocol versions it speaks, its scenarios, and that the registry holds no other content for this version' };
      const { summary, details } = await checkBuild(state);
      return { action: 'run', summary, ...(details ? { details } : {}) };
    },
    run: checkBuild,
  },
  {
    name: 'publish',
    async plan(state) {
      const backends = state.config.backends.map(describeBackend);
      if (!state.release) {
        return { action: 'run', summary: `to ${backends.length} backend(s) at once; what each uploads is planned once the build exists (give --build-dir for each backend's exact plan)`, details: backends };
      }
      const { reports, lines } = await publishEverywhere(state, true);
      state.published = reports;
      return { action: 'run', summary: `to ${backends.length} backend(s) at once`, details: lines };
    },
    async run(state) {
      const { reports, lines } = await publishEverywhere(state, false);
      state.published = reports;
      if (reports.every((report) => report.actions.every((action) => action.action === 'skip'))) return { status: 'skipped', reason: `already published to every backend: ${reports.map((r) => r.location).join(', ')}` };
      return { status: 'done', summary: `to ${reports.length} backend(s)`, details: lines };
    },
  },
  {
    name: 'register',
    async plan(state) {
      if (!state.config.registry) return { action: 'skip', reason: 'the release section has no "registry"' };
      if (!state.published) return { action: 'run', summary: `in ${registryWhere(state.config)}: ${state.name} ${state.version ?? ''} with its checksums pin, the protocol versions it speaks and one source per backend, in release.backends' order (known once the build is published)` };
      const result = await register(state, true);
      return result.status === 'skipped' ? { action: 'skip', reason: result.reason } : { action: 'run', summary: result.summary };
    },
    async run(state) {
      if (!state.config.registry) return { status: 'skipped', reason: 'the release section has no "registry"' };
      return register(state, false);
    },
  },
];

function publicKeyOf(key: KeyObject | undefined): string | undefined {
  return key ? (createPublicKey(key).export({ type: 'spki', format: 'pem' }) as string) : undefined;
}

export async function releasePlugin(pluginDir: string, options: ReleaseOptions): Promise<ReleaseSummary> {
  const dir = resolve(pluginDir);
  const plugin = await readPluginConfig(dir);
  const config = await readReleaseConfig(dir);
  const signingKey = await signingKeyFrom({ ...(options.signingKeyFile ? { file: options.signingKeyFile } : {}), ...(options.env ? { env: options.env } : {}) });
  const publicKey = publicKeyOf(signingKey);
  const state: ReleaseState = { dir, name: plugin.name, config, options, ...(signingKey ? { signingKey } : {}), ...(publicKey ? { publicKey } : {}) };
  const dryRun = Boolean(options.dryRun);
  if (dryRun) options.log(`Dry run: every step is planned; nothing is built, uploaded or written`);
  const steps = await runSteps(RELEASE_STEPS, state, { dryRun, log: options.log });
  return {
    name: plugin.name,
    version: state.version!,
    buildDir: state.buildDir ?? buildDirOf(state),
    dryRun,
    published: state.published ?? [],
    ...(state.registered ? { registry: state.registered } : {}),
    steps,
  };
}
