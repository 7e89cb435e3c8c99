// Where a cell's core comes from. A CoreProvider lists the cores it has (their versions and the
// protocol versions each offers, for planning), one core's digest (for the cell key: what a cached
// cell needs) and its executable (what a cell that runs needs). Local files (`--core
// <version>=<path>`, `--core-build <path>`: the pull request's build) are here; released cores,
// fetched from the registry's `cores` section, are released-cores.ts, behind the same interface.
import { execFile } from 'node:child_process';
import { readdir, stat } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { sha256File } from '@fctl-kit/artifacts';
import semver from 'semver';
import { coreCommand } from '../run.js';
import { sha256Hex } from './cache-key.js';
import { quoteInput } from './escape.js';
import { PlanError, type CoreInput } from './plan.js';

export interface CoreBinary {
  /** A Node script (.js, .mjs, .cjs), run with this Node, or an executable. */
  path: string;
  /** sha256 of that file, lower-case hex. */
  sha256: string;
}

export interface CoreProvider {
  /** The cores this provider has, with the protocol versions each offers. */
  readonly cores: readonly CoreInput[];
  /** The sha256 of what `core(version)` gives, lower-case hex, without necessarily fetching it. */
  digest(version: string): Promise<string>;
  core(version: string): Promise<CoreBinary>;
}

export interface CoreSpec {
  version: string;
  path: string;
}

/** The label of `--core-build <path>` when the build is not named (`--core-build <version>=<path>`). */
export const LOCAL_BUILD_VERSION = '0.0.0-local';

/** `0.2.0=path/to/fctl` (`--core`); for `--core-build`, a bare path is labelled LOCAL_BUILD_VERSION. */
export function parseCoreSpec(text: string, flag: '--core' | '--core-build'): CoreSpec {
  const at = text.indexOf('=');
  if (at < 0 && flag === '--core-build' && text) return { version: LOCAL_BUILD_VERSION, path: text };
  const version = text.slice(0, at);
  const path = text.slice(at + 1);
  if (at < 1 || !path || semver.valid(version) !== version) {
    throw new PlanError(`${flag} takes <version>=<path>, the version exact semver (e.g. 0.2.0=./fctl${flag === '--core-build' ? ', or a bare path labelled ' + LOCAL_BUILD_VERSION : ''}); got ${quoteInput(text)}`);
  }
  return { version, path };
}

/** What the core says it speaks: `fctl 0.1.0 (plugin protocol v1, v2)` from `<core> version`. */
export function protocolsFromVersionOutput(output: string): number[] | undefined {
  const match = /\(plugin protocol ((?:v\d{1,6}(?:, )?)+)\)/.exec(output);
  if (!match) return undefined;
  return [...match[1]!.matchAll(/v(\d+)/g)].map((found) => Number(found[1]));
}

function askVersion(path: string): Promise<string> {
  const [command, prefix] = coreCommand(path);
  return new Promise((resolvePromise, reject) => {
    execFile(command, [...prefix, 'version'], { env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', NO_COLOR: '1' }, timeout: 30_000, maxBuffer: 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) reject(new PlanError(`the core ${path} did not answer "version": ${(stderr || error.message).trim().split('\n')[0]}`));
      else resolvePromise(stdout);
    });
  });
}

const isFile = (path: string) => stat(path).then((info) => info.isFile(), () => false);

async function packageRoot(script: string): Promise<string | undefined> {
  for (let dir = dirname(script); ; dir = dirname(dir)) {
    if (await isFile(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) return undefined;
  }
}

async function filesUnder(root: string): Promise<string[]> {
  const found: string[] = [];
  const walk = async (dir: string) => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      if (entry.name === 'node_modules' || entry.name === '.git') continue;
      const path = join(dir, entry.name);
      if (entry.isDirectory()) await walk(path);
      else if (entry.isFile()) found.push(path);
    }
  };
  await walk(root);
  return found.sort();
}

/**
 * The digest of what runs. An executable is one file. A Node script (bin/fctl.js is two lines
 * importing ../dist) is hashed with every file of its package (node_modules aside), so that a
 * rebuilt core is another core to the cache; a script outside any package is hashed alone.
 */
export async function coreDigest(path: string): Promise<string> {
  const root = coreCommand(path)[1].length ? await packageRoot(path) : undefined;
  if (!root) return sha256File(path);
  const lines: string[] = [];
  for (const file of await filesUnder(root)) lines.push(`${await sha256File(file)}  ${relative(root, file).split('\\').join('/')}\n`);
  return sha256Hex(`fctl-kit core package\n${lines.join('')}`);
}

/** The version a core reports (`fctl 0.1.0 (...)` from `<core> version`): the label of a core given without one. */
export async function reportedCoreVersion(path: string): Promise<string> {
  const output = await askVersion(resolve(path));
  const version = /^fctl (\S+)/.exec(output)?.[1];
  if (!version || semver.valid(version) !== version) throw new PlanError(`the core ${path} does not report a semver version ("version" printed ${quoteInput(output.trim().slice(0, 200))})`);
  return version;
}

/** Cores from local files: each is hashed and asked which protocol versions it speaks. */
export async function localCores(specs: readonly CoreSpec[]): Promise<CoreProvider> {
  const binaries = new Map<string, CoreBinary>();
  const cores: CoreInput[] = [];
  for (const spec of specs) {
    if (binaries.has(spec.version)) throw new PlanError(`two cores are labelled ${spec.version}`);
    const path = resolve(spec.path);
    const info = await stat(path).catch(() => undefined);
    if (!info?.isFile()) throw new PlanError(`the core ${spec.version}: ${path} is not a file`);
    const output = await askVersion(path);
    const protocolVersions = protocolsFromVersionOutput(output);
    if (!protocolVersions?.length) throw new PlanError(`the core ${path} does not say which plugin protocol versions it speaks ("version" printed ${quoteInput(output.trim().slice(0, 200))})`);
    binaries.set(spec.version, { path, sha256: await coreDigest(path) });
    cores.push({ version: spec.version, protocolVersions });
  }
  const core = async (version: string) => {
    const binary = binaries.get(version);
    if (!binary) throw new PlanError(`no core ${quoteInput(version)}`);
    return binary;
  };
  return { cores, core, digest: async (version) => (await core(version)).sha256 };
}

/**
 * Some cores of several providers as one (released cores, and the pull request's local build): the
 * versions `keep` names (all when absent), each from the provider that has it; a version two
 * providers have is refused.
 */
export function combineCores(providers: readonly CoreProvider[], keep?: (version: string) => boolean): CoreProvider {
  const owner = new Map<string, CoreProvider>();
  const cores: CoreInput[] = [];
  for (const provider of providers) {
    for (const core of provider.cores) {
      if (keep && !keep(core.version)) continue;
      if (owner.has(core.version)) throw new PlanError(`two cores are labelled ${core.version}`);
      owner.set(core.version, provider);
      cores.push(core);
    }
  }
  const providerOf = (version: string) => {
    const provider = owner.get(version);
    if (!provider) throw new PlanError(`no core ${quoteInput(version)}`);
    return provider;
  };
  return {
    cores,
    core: async (version) => providerOf(version).core(version),
    digest: async (version) => providerOf(version).digest(version),
  };
}
