// `fctl-kit release <plugin-dir>`: the release of a plugin from a tagged commit, in the order that
// keeps the version rule and leaves nothing half-done that a re-run cannot finish:
//   verify-version -> check the registry accepts this release -> build-all (signed) -> verify the
//   build -> publish to every configured backend (at once) -> register the version (a registry file, or a
//   pull request to a registry repository).
// Every step is idempotent (builds are reproducible, publishing skips what is there, registering
// the same release again changes nothing), so a failed release is finished by running it again.
import { createPublicKey, type KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { displayUrl, proposeFileChange, publishWith, readBuildRelease, readRepositoryFile, refusalError, type ReleaseArtifacts } from '@fctl-kit/backends';
import { signingKeyFrom, verifyDirectorySignature } from '@fctl-kit/artifacts';
import { buildPlugin, type BuildProgress } from '@fctl-kit/binaries';
import { readPluginConfig } from '@fctl-kit/plugin-config';
import { parseRegistry, registerRelease, type PluginDistribution } from '@fctl-kit/registry';
import { publishReport, type PublishReport } from './publish-to.js';
import { readReleaseConfig, type RegistryTarget, type ReleaseBackend } from './release-config.js';
import { verifyVersion } from './verify-version.js';
import { writeFileAtomic } from '@fctl-kit/files';

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

export interface ReleaseSummary {
  name: string;
  version: string;
  buildDir: string;
  dryRun: boolean;
  published: PublishReport[];
  registry?: { file: string; changed: boolean } | { repo: string; path: string; pullRequest?: { number: number; url: string; created: boolean }; changed: boolean };
}

const REGISTRY_FIELDS = ['distribution', 'repo', 'url', 'oci', 'githubApiUrl'] as const;

function distributionOf(summary: PublishReport, publicKey: string | undefined): PluginDistribution {
  const fields = Object.fromEntries(REGISTRY_FIELDS.filter((field) => summary.registry[field] !== undefined).map((field) => [field, summary.registry[field]]));
  return { ...fields, ...(publicKey ? { publicKey } : {}) } as PluginDistribution;
}

function matches(backend: ReleaseBackend, distribution: string, plugin: { repo?: string; oci?: string }): boolean {
  if (backend.backend !== distribution) return false;
  if (backend.backend === 'github-releases' || backend.backend === 'private-releases') return !plugin.repo || plugin.repo === backend.repo;
  if (backend.backend === 'oci') return !plugin.oci || String(backend.to).replace(/^oci:\/\//, '').startsWith(plugin.oci);
  return true;
}

/** Before anything is built or published: the registry must be able to take this release. Says whether it lists the plugin. */
function checkRegistryAccepts(text: string, source: string, name: string, backends: ReleaseBackend[], publicKey: string | undefined): boolean {
  const plugin = parseRegistry(text, source).plugins[name];
  if (!plugin) return false;
  const distribution = plugin.distribution ?? 'github-releases';
  if (!backends.some((backend) => matches(backend, distribution, plugin))) {
    const where = plugin.repo ?? plugin.oci ?? plugin.url ?? '';
    throw new ReleaseError(`${source} fetches ${name} from ${distribution}${where ? ` (${where})` : ''}, but release.backends does not publish there: add it, or the registry would point at files that do not exist`);
  }
  if (plugin.publicKey && !publicKey) {
    throw new ReleaseError(`${source} has a publicKey for ${name}: its releases must be signed (pass --signing-key or set FCTL_KIT_SIGNING_KEY)`);
  }
  if (plugin.publicKey && publicKey && createPublicKey(plugin.publicKey).export({ type: 'spki', format: 'der' }).compare(createPublicKey(publicKey).export({ type: 'spki', format: 'der' })) !== 0) {
    throw new ReleaseError(`the signing key is not the one ${source} expects for ${name} (its publicKey differs): fctl would refuse this release`);
  }
  return true;
}

async function readRegistry(target: RegistryTarget, token: string | undefined, env: NodeJS.ProcessEnv | undefined): Promise<{ text: string; source: string }> {
  if ('file' in target) {
    const text = await readFile(target.file, 'utf8').catch(() => {
      throw new ReleaseError(`the registry file ${target.file} does not exist (create it with "plugins: {}" to start a registry)`);
    });
    return { text, source: target.file };
  }
  const { repo, path, base, apiUrl } = target.github;
  const text = await readRepositoryFile({ repo, path, ...(base ? { ref: base } : {}), ...(apiUrl ? { apiUrl } : {}), ...(token ? { token } : {}), ...(env ? { env } : {}) });
  return { text, source: `${repo}:${path}` };
}

function publicKeyOf(key: KeyObject | undefined): string | undefined {
  return key ? (createPublicKey(key).export({ type: 'spki', format: 'pem' }) as string) : undefined;
}

async function requireVersionRule(dir: string, options: { buildDir?: string }) {
  const report = await verifyVersion(dir, options);
  if (report.problems.length) throw new ReleaseError(`plugin version = service version is broken:\n${report.problems.map((p) => `  - ${p}`).join('\n')}`);
  return report;
}

/** What registering needs: the release, and the registry as it was read before anything was published. */
interface Registration {
  name: string;
  version: string;
  entry: { compatibleWith: string; checksumsSha256: string };
  published: PublishReport[];
  registry: { text: string; source: string };
  change(text: string): { text: string; changed: boolean };
  options: ReleaseOptions;
}

async function registerInFile(file: string, r: Registration): Promise<NonNullable<ReleaseSummary['registry']>> {
  const { text, changed } = r.change(r.registry.text);
  if (changed && !r.options.dryRun) await writeFileAtomic(file, text, { mode: 'preserve' });
  r.options.log(changed ? `${r.options.dryRun ? 'would register' : 'registered'} ${r.name} ${r.version} in ${file}` : `${file} already lists ${r.name} ${r.version}`);
  return { file, changed };
}

async function proposeToRepository(github: { repo: string; path: string; base?: string; apiUrl?: string }, r: Registration): Promise<NonNullable<ReleaseSummary['registry']>> {
  const where = `${github.repo}:${github.path}`;
  if (r.options.dryRun) {
    const { changed } = r.change(r.registry.text);
    r.options.log(changed ? `would open a pull request adding ${r.name} ${r.version} to ${where}` : `${where} already lists ${r.name} ${r.version}`);
    return { repo: github.repo, path: github.path, changed };
  }
  const outcome = await proposeFileChange({
    ...github,
    branch: `fctl-kit/${r.name}-${r.version}`,
    title: `${r.name} ${r.version}`,
    body: `Registers fctl-plugin-${r.name} ${r.version} (compatible with ${r.entry.compatibleWith}), released by fctl-kit.\n\nchecksums.txt sha256: \`${r.entry.checksumsSha256}\`\nPublished to:\n${r.published.map((p) => `- ${p.backend}: ${p.location}`).join('\n')}\n`,
    commitMessage: `Register ${r.name} ${r.version}`,
    ...(r.options.token ? { token: r.options.token } : {}),
    ...(r.options.env ? { env: r.options.env } : {}),
    change: (text) => {
      const next = r.change(text);
      return next.changed ? next.text : undefined;
    },
  });
  r.options.log(outcome.pullRequest ? `${outcome.pullRequest.created ? 'opened' : 'found'} pull request ${outcome.pullRequest.url}` : `${where} already lists ${r.name} ${r.version}`);
  return { repo: github.repo, path: github.path, changed: outcome.committed, ...(outcome.pullRequest ? { pullRequest: outcome.pullRequest } : {}) };
}

/**
 * Publishes to every backend at once. One failing does not stop the others: what could be published
 * is, the failures are reported together, and a re-run finishes the rest (publishing is idempotent).
 */
async function publishEverywhere(backends: ReleaseBackend[], release: ReleaseArtifacts, options: ReleaseOptions): Promise<PublishReport[]> {
  const outcomes = await Promise.allSettled(
    backends.map(async (backend) => {
      const run = await publishWith(backend, release, { env: options.env ?? process.env, ...(options.token ? { token: options.token } : {}) }, { dryRun: Boolean(options.dryRun) });
      // A dry run fails where the real run would refuse.
      if (run.dryRun && run.plan.refusals.length) throw refusalError(run.plan);
      const summary = publishReport(run, release);
      const uploaded = summary.actions.filter((action) => action.action === 'upload' || action.action === 'replace').length;
      const there = summary.actions.filter((action) => action.action === 'skip').length;
      options.log(`${options.dryRun ? 'would publish' : 'published'} to ${summary.location}: ${uploaded} file(s) ${options.dryRun ? 'to upload' : 'uploaded'}, ${there} already there`);
      return summary;
    }),
  );
  const failed = outcomes.flatMap((outcome, index) => (outcome.status === 'rejected' ? [`${describeBackend(backends[index]!)}: ${(outcome.reason as Error).message}`] : []));
  if (failed.length) {
    throw new ReleaseError(`publishing failed, so nothing was registered:\n${failed.map((f) => `  - ${f}`).join('\n')}\nRun the release again to finish it: what is published is kept, the rest is uploaded.`);
  }
  return outcomes.map((outcome) => (outcome as PromiseFulfilledResult<PublishReport>).value);
}

function describeBackend(backend: ReleaseBackend): string {
  if ('repo' in backend) return `${backend.backend} ${String(backend.repo)}`;
  const to = String(backend.to);
  return `${backend.backend} ${/^https?:\/\//i.test(to) ? displayUrl(new URL(to)) : to}`;
}

async function buildOrReuse(dir: string, version: string, signingKey: KeyObject | undefined, options: ReleaseOptions): Promise<string> {
  if (options.buildDir) {
    options.log(`using the build in ${resolve(options.buildDir)}`);
    return resolve(options.buildDir);
  }
  const buildDir = resolve(options.outDir ?? join(dir, 'dist', 'release'));
  options.log(`building into ${buildDir}`);
  await buildPlugin({ sourceDir: dir, outDir: buildDir, serviceVersion: version, ...(options.targets ? { targets: options.targets } : {}), ...(signingKey ? { signingKey } : {}), ...(options.onBuildProgress ? { onProgress: options.onBuildProgress } : {}) });
  return buildDir;
}

export async function releasePlugin(pluginDir: string, options: ReleaseOptions): Promise<ReleaseSummary> {
  const dir = resolve(pluginDir);
  const plugin = await readPluginConfig(dir);
  const config = await readReleaseConfig(dir);

  const { service } = await requireVersionRule(dir, {});
  const version = service.version;
  options.log(`${plugin.name} ${version} (${service.from})`);

  const signingKey = await signingKeyFrom({ ...(options.signingKeyFile ? { file: options.signingKeyFile } : {}), ...(options.env ? { env: options.env } : {}) });
  const publicKey = publicKeyOf(signingKey);
  const registry = config.registry ? await readRegistry(config.registry, options.token, options.env) : undefined;
  const listsPlugin = registry ? checkRegistryAccepts(registry.text, registry.source, plugin.name, config.backends, publicKey) : false;

  const buildDir = await buildOrReuse(dir, version, signingKey, options);
  await requireVersionRule(dir, { buildDir });
  const release = (await readBuildRelease(buildDir)) as ReleaseArtifacts;
  if (publicKey) await verifyDirectorySignature(buildDir, publicKey);
  if (registry && !release.compatibleWith) throw new ReleaseError(`${plugin.name} declares no compatibleWith range (createPlugin({ compatibleWith })): the registry needs the service versions it serves`);
  const entry = { compatibleWith: release.compatibleWith ?? '', checksumsSha256: release.files.find((file) => file.name === 'checksums.txt')!.sha256 };
  // A version the registry already has with other content is refused before anything is uploaded.
  if (registry && listsPlugin) registerRelease(registry.text, registry.source, plugin.name, version, { distribution: {}, entry });

  const published = await publishEverywhere(config.backends, release, options);
  const result: ReleaseSummary = { name: plugin.name, version, buildDir, dryRun: Boolean(options.dryRun), published };
  if (!config.registry || !registry) return result;

  const registration: Registration = {
    name: plugin.name,
    version,
    entry,
    published,
    registry,
    options,
    change: (text) => registerRelease(text, registry.source, plugin.name, version, { distribution: distributionOf(published[0]!, publicKey), entry }),
  };
  result.registry = 'file' in config.registry ? await registerInFile(config.registry.file, registration) : await proposeToRepository(config.registry.github, registration);
  return result;
}
