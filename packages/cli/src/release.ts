// `fctl-kit release <plugin-dir>`: the release of a plugin from a tagged commit, in the order that
// keeps the version rule and leaves nothing half-done that a re-run cannot finish:
//   verify-version -> check the registry accepts this release -> build-all (signed) -> verify the
//   build -> publish to every configured backend -> register the version (a registry file, or a
//   pull request to a registry repository).
// Every step is idempotent (builds are reproducible, publishing skips what is there, registering
// the same release again changes nothing), so a failed release is finished by running it again.
import { createPublicKey, type KeyObject } from 'node:crypto';
import { readFile, rename, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { proposeFileChange, readBuildRelease, readRepositoryFile, type PublishSummary } from '@fctl-kit/backends';
import { buildPlugin, readPluginConfig, signingKeyFrom, verifyChecksumsSignature, type BuildProgress } from '@fctl-kit/build';
import { parseRegistry, registerRelease, type PluginDistribution } from '@fctl-kit/registry';
import { publishTo } from './publish-to.js';
import { readReleaseConfig, type RegistryTarget, type ReleaseBackend } from './release-config.js';
import { verifyVersion } from './verify-version.js';

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
  published: PublishSummary[];
  registry?: { file: string; changed: boolean } | { repo: string; path: string; pullRequest?: { number: number; url: string; created: boolean }; changed: boolean };
}

const REGISTRY_FIELDS = ['distribution', 'repo', 'url', 'oci', 'githubApiUrl'] as const;

function distributionOf(summary: PublishSummary, publicKey: string | undefined): PluginDistribution {
  const fields = Object.fromEntries(REGISTRY_FIELDS.filter((field) => summary.registry[field] !== undefined).map((field) => [field, summary.registry[field]]));
  return { ...fields, ...(publicKey ? { publicKey } : {}) } as PluginDistribution;
}

function matches(backend: ReleaseBackend, distribution: string, plugin: { repo?: string; oci?: string }): boolean {
  if (backend.backend !== distribution) return false;
  if (backend.backend === 'github-releases' || backend.backend === 'private-releases') return !plugin.repo || plugin.repo === backend.repo;
  if (backend.backend === 'oci') return !plugin.oci || backend.to.replace(/^oci:\/\//, '').startsWith(plugin.oci);
  return true;
}

/** Before anything is built or published: the registry must be able to take this release. */
function checkRegistryAccepts(text: string, source: string, name: string, backends: ReleaseBackend[], publicKey: string | undefined): void {
  const plugin = parseRegistry(text, source).plugins[name];
  if (!plugin) return;
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

async function writeAtomic(path: string, text: string): Promise<void> {
  const temporary = `${path}.${process.pid}.tmp`;
  await writeFile(temporary, text);
  await rename(temporary, path);
}

function publicKeyOf(key: KeyObject | undefined): string | undefined {
  return key ? (createPublicKey(key).export({ type: 'spki', format: 'pem' }) as string) : undefined;
}

export async function releasePlugin(pluginDir: string, options: ReleaseOptions): Promise<ReleaseSummary> {
  const dir = resolve(pluginDir);
  const plugin = await readPluginConfig(dir);
  const config = await readReleaseConfig(dir);

  const before = await verifyVersion(dir, {});
  if (before.problems.length) throw new ReleaseError(`plugin version = service version is broken:\n${before.problems.map((p) => `  - ${p}`).join('\n')}`);
  const version = before.service.version;
  options.log(`${plugin.name} ${version} (${before.service.from})`);

  const signingKey = await signingKeyFrom({ ...(options.signingKeyFile ? { file: options.signingKeyFile } : {}), ...(options.env ? { env: options.env } : {}) });
  const publicKey = publicKeyOf(signingKey);
  const registry = config.registry ? await readRegistry(config.registry, options.token, options.env) : undefined;
  if (registry) checkRegistryAccepts(registry.text, registry.source, plugin.name, config.backends, publicKey);

  let buildDir: string;
  if (options.buildDir) {
    buildDir = resolve(options.buildDir);
    options.log(`using the build in ${buildDir}`);
  } else {
    buildDir = resolve(options.outDir ?? join(dir, 'dist', 'release'));
    options.log(`building into ${buildDir}`);
    await buildPlugin({ sourceDir: dir, outDir: buildDir, serviceVersion: version, ...(options.targets ? { targets: options.targets } : {}), ...(signingKey ? { signingKey } : {}), ...(options.onBuildProgress ? { onProgress: options.onBuildProgress } : {}) });
  }
  const built = await verifyVersion(dir, { buildDir });
  if (built.problems.length) throw new ReleaseError(`plugin version = service version is broken:\n${built.problems.map((p) => `  - ${p}`).join('\n')}`);
  if (publicKey) {
    const signature = await readFile(join(buildDir, 'checksums.txt.sig'), 'utf8').catch(() => undefined);
    await verifyChecksumsSignature(await readFile(join(buildDir, 'checksums.txt'), 'utf8'), signature, publicKey);
  }
  const release = await readBuildRelease(buildDir);
  const manifest = JSON.parse(await readFile(join(buildDir, 'manifest.json'), 'utf8')) as { compatibleWith?: string };
  if (registry && !manifest.compatibleWith) throw new ReleaseError(`${plugin.name} declares no compatibleWith range (createPlugin({ compatibleWith })): the registry needs the service versions it serves`);
  const entry = { compatibleWith: manifest.compatibleWith ?? '', checksumsSha256: release.files.find((file) => file.name === 'checksums.txt')!.sha256 };
  // A version the registry already has with other content is refused before anything is uploaded.
  if (registry && parseRegistry(registry.text, registry.source).plugins[plugin.name]) registerRelease(registry.text, registry.source, plugin.name, version, { distribution: {}, entry });

  const published: PublishSummary[] = [];
  for (const backend of config.backends) {
    const summary = await publishTo(backend, release, { dryRun: options.dryRun, ...(options.token ? { token: options.token } : {}), ...(options.env ? { env: options.env } : {}) });
    const uploaded = summary.steps.filter((step) => step.action !== 'skip').length;
    options.log(`${options.dryRun ? 'would publish' : 'published'} to ${summary.location}: ${uploaded} file(s) ${options.dryRun ? 'to upload' : 'uploaded'}, ${summary.steps.length - uploaded} already there`);
    published.push(summary);
  }
  const result: ReleaseSummary = { name: plugin.name, version, buildDir, dryRun: Boolean(options.dryRun), published };
  if (!config.registry || !registry) return result;

  const change = (text: string) => registerRelease(text, registry.source, plugin.name, version, { distribution: distributionOf(published[0]!, publicKey), entry });

  if ('file' in config.registry) {
    const { text, changed } = change(registry.text);
    if (changed && !options.dryRun) await writeAtomic(config.registry.file, text);
    options.log(changed ? `${options.dryRun ? 'would register' : 'registered'} ${plugin.name} ${version} in ${config.registry.file}` : `${config.registry.file} already lists ${plugin.name} ${version}`);
    result.registry = { file: config.registry.file, changed };
    return result;
  }
  const github = config.registry.github;
  if (options.dryRun) {
    const { changed } = change(registry.text);
    options.log(changed ? `would open a pull request adding ${plugin.name} ${version} to ${github.repo}:${github.path}` : `${github.repo}:${github.path} already lists ${plugin.name} ${version}`);
    result.registry = { repo: github.repo, path: github.path, changed };
    return result;
  }
  const outcome = await proposeFileChange({
    ...github,
    branch: `fctl-kit/${plugin.name}-${version}`,
    title: `${plugin.name} ${version}`,
    body: `Registers fctl-plugin-${plugin.name} ${version} (compatible with ${manifest.compatibleWith}), released by fctl-kit.\n\nchecksums.txt sha256: \`${entry.checksumsSha256}\`\nPublished to:\n${published.map((p) => `- ${p.backend}: ${p.location}`).join('\n')}\n`,
    commitMessage: `Register ${plugin.name} ${version}`,
    ...(options.token ? { token: options.token } : {}),
    ...(options.env ? { env: options.env } : {}),
    change: (text) => {
      const next = change(text);
      return next.changed ? next.text : undefined;
    },
  });
  options.log(outcome.pullRequest ? `${outcome.pullRequest.created ? 'opened' : 'found'} pull request ${outcome.pullRequest.url}` : `${github.repo}:${github.path} already lists ${plugin.name} ${version}`);
  result.registry = { repo: github.repo, path: github.path, changed: outcome.committed, ...(outcome.pullRequest ? { pullRequest: outcome.pullRequest } : {}) };
  return result;
}
