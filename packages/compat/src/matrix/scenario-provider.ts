// A cell's scenarios: the ones the release was published with. A ScenarioProvider gives, for one
// plugin version, its scenarios, the scenarios file's sha256 and the release's checksums.txt sha256
// (the two digests of the cell key). `releaseScenarios` reads them from the release itself, through
// the backend code fctl downloads with (@fctl-kit/backends), from the version's sources in the
// order fctl tries them: checksums.txt (checked against the registry's pin, and the publisher's
// signature when the registry gives a key), then scenarios.yaml, checked against checksums.txt.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CHECKSUMS_FILE, currentPlatform, parseChecksums, SIGNATURE_FILE, SIGSTORE_BUNDLE_FILE, verifySignedChecksums, type ChecksumsSignatures } from '@fctl-kit/artifacts';
import { BACKEND_KINDS, backendNamed, downloadFile, type SourceFiles } from '@fctl-kit/backends';
import { sourcesOf, type RegistryDocument, type RegistryPlugin, type RegistryVersion } from '@fctl-kit/registry';
import { parseScenarios, SCENARIO_LIMITS, type Scenario } from '../scenarios.js';

/** The scenarios file a release carries (`fctl-kit build` copies compat/scenarios.yaml). */
export const RELEASE_SCENARIOS_FILE = 'scenarios.yaml';
const MAX_CHECKSUMS_BYTES = 1024 * 1024;
const MAX_SIGNATURE_BYTES = 64 * 1024;

export interface ReleaseScenarios {
  scenarios: Scenario[];
  /** sha256 of the scenarios file, lower-case hex. */
  scenariosSha256: string;
  /** sha256 of the release's checksums.txt, lower-case hex. */
  checksumsSha256: string;
  /**
   * A local build's plugin file for this machine, verified against that checksums.txt: fctl installs
   * it (`fctl plugin install --path`) instead of the release from the registry.
   */
  pluginFile?: string;
}

export type ScenarioProvider = (plugin: string, version: string, signal: AbortSignal) => Promise<ReleaseScenarios>;

/** Why a cell cannot run: its outcome is `error` with this message. */
export class CellInputError extends Error {
  override name = 'CellInputError';
}

async function fetchText(files: SourceFiles, file: string, dir: string, maxBytes: number, signal: AbortSignal): Promise<{ text: string; sha256: string }> {
  const path = join(dir, file);
  const { sha256 } = await downloadFile(files, file, path, { maxBytes, signal, retries: 2 });
  return { text: await readFile(path, 'utf8'), sha256 };
}

async function authenticate(files: SourceFiles, plugin: RegistryPlugin, entry: RegistryVersion, checksums: { text: string; sha256: string }, dir: string, signal: AbortSignal): Promise<void> {
  if (entry.checksumsSha256 && entry.checksumsSha256 !== checksums.sha256) {
    throw new CellInputError(`${CHECKSUMS_FILE} from ${files.describe(CHECKSUMS_FILE)} has sha256 ${checksums.sha256}, but the registry pins ${entry.checksumsSha256}`);
  }
  if (!plugin.publicKey) return;
  const signatures: ChecksumsSignatures = {};
  try {
    signatures.signature = (await fetchText(files, SIGNATURE_FILE, dir, MAX_SIGNATURE_BYTES, signal)).text;
  } catch {
    signatures.bundle = (await fetchText(files, SIGSTORE_BUNDLE_FILE, dir, MAX_SIGNATURE_BYTES, signal).catch((error: Error) => {
      throw new CellInputError(`the publisher signs its checksums, but neither ${SIGNATURE_FILE} nor ${SIGSTORE_BUNDLE_FILE} can be fetched (${error.message})`);
    })).text;
  }
  await verifySignedChecksums(checksums.text, signatures, plugin.publicKey).catch((error: Error) => {
    throw new CellInputError(error.message);
  });
}

async function fromSource(files: SourceFiles, plugin: RegistryPlugin, entry: RegistryVersion, where: string, signal: AbortSignal): Promise<ReleaseScenarios> {
  const dir = await mkdtemp(join(tmpdir(), 'fctl-compat-release-'));
  try {
    const checksums = await fetchText(files, CHECKSUMS_FILE, dir, MAX_CHECKSUMS_BYTES, signal);
    await authenticate(files, plugin, entry, checksums, dir, signal);
    let listed: Map<string, string>;
    try {
      listed = parseChecksums(checksums.text);
    } catch (error) {
      throw new CellInputError(`${CHECKSUMS_FILE} of ${where}: ${(error as Error).message}`);
    }
    const expected = listed.get(RELEASE_SCENARIOS_FILE);
    if (!expected) {
      throw new CellInputError(`the release ${where} has no ${RELEASE_SCENARIOS_FILE} (its ${CHECKSUMS_FILE} does not list one): it was released without compatibility scenarios, so the matrix has nothing to run; release it with a fctl-kit that publishes compat/scenarios.yaml`);
    }
    const scenariosFile = await fetchText(files, RELEASE_SCENARIOS_FILE, dir, SCENARIO_LIMITS.maxBytes, signal);
    if (scenariosFile.sha256 !== expected) {
      throw new CellInputError(`${RELEASE_SCENARIOS_FILE} from ${files.describe(RELEASE_SCENARIOS_FILE)} has sha256 ${scenariosFile.sha256}, but ${CHECKSUMS_FILE} says ${expected}`);
    }
    let scenarios: Scenario[];
    try {
      scenarios = parseScenarios(scenariosFile.text, `${RELEASE_SCENARIOS_FILE} of ${where}`);
    } catch (error) {
      throw new CellInputError((error as Error).message);
    }
    return { scenarios, scenariosSha256: scenariosFile.sha256, checksumsSha256: checksums.sha256 };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Reads each release's scenarios once per provider (cells of several cores share it). */
export function releaseScenarios(document: RegistryDocument, env: NodeJS.ProcessEnv = process.env): ScenarioProvider {
  const known = new Map<string, Promise<ReleaseScenarios>>();
  const read = async (name: string, version: string, signal: AbortSignal): Promise<ReleaseScenarios> => {
    const plugin = Object.hasOwn(document.plugins, name) ? document.plugins[name]! : undefined;
    const entry = plugin && Object.hasOwn(plugin.versions, version) ? plugin.versions[version]! : undefined;
    if (!plugin || !entry) throw new CellInputError(`the registry has no ${name}@${version}`);
    const where = `${name}@${version}`;
    const failures: string[] = [];
    for (const [index, source] of sourcesOf(plugin, entry).entries()) {
      const label = `source ${index + 1} (${String(source.backend)})`;
      if (!BACKEND_KINDS.includes(String(source.backend))) {
        failures.push(`${label}: not a backend this fctl-kit knows`);
        continue;
      }
      try {
        const files = backendNamed(String(source.backend)).files(source, { name, version, platform: currentPlatform() }, env);
        return await fromSource(files, plugin, entry, where, signal);
      } catch (error) {
        signal.throwIfAborted();
        // A release without scenarios is the release's answer, not a source's failure.
        if (error instanceof CellInputError && error.message.includes(`has no ${RELEASE_SCENARIOS_FILE}`)) throw error;
        failures.push(`${label}: ${(error as Error).message}`);
      }
    }
    throw new CellInputError(failures.length === 1 ? `cannot read the scenarios of ${where}: ${failures[0]!.replace(/^source 1 \([^)]*\): /, '')}` : `cannot read the scenarios of ${where} from any of its sources:\n  ${failures.join('\n  ')}`);
  };
  return (name, version, signal) => {
    const id = `${name}@${version}`;
    let promise = known.get(id);
    if (!promise) {
      promise = read(name, version, signal);
      // A failure (an abort, a network error) is not remembered: the next cell asks again.
      promise.catch(() => known.delete(id));
      known.set(id, promise);
    }
    return promise;
  };
}
