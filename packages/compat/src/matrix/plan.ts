// Planning the matrix (pure): every fctl core version × plugin × plugin version, each cell marked
// reachable or unreachable with the reasons. "Reachable" is what a user can get: fctl can install
// the version (it is still listed and not retired; a deprecated version installs with a warning) and
// fctl and the plugin can talk (their protocol version sets meet, docs/protocol.md 2.3). compatibleWith
// does not enter: it is a range over the *service* version, which each scenario sets on its stub stack.
import { pickProtocolVersion } from '@fctl-kit/protocol';
import { PLUGIN_NAME_PATTERN } from '@fctl-kit/registry';
import semver from 'semver';
import { quoteInput } from './escape.js';

export class PlanError extends Error {
  override name = 'PlanError';
}

export interface CoreInput {
  /** The core's version, semver (a local build names itself, e.g. 0.3.0-pr.12). */
  version: string;
  /** The protocol versions this core offers, as it will be run in the cell. */
  protocolVersions: readonly number[];
  /** A released core the registry marks deprecated (its message): not "supported" (select-cores.ts); not planned differently. */
  deprecated?: string;
}

export interface PluginVersionInput {
  version: string;
  /** Range over the service version this plugin version serves (carried, not used for reachability). */
  compatibleWith: string;
  deprecated?: string;
  /** Kept in the input for a history that still lists retired versions; the registry removes them. */
  retired?: boolean | string;
  /**
   * The protocol versions the release speaks. Optional: the registry does not record them yet
   * (issue 15 item 1). Unknown protocols are planned as `unknownProtocols` says.
   */
  protocolVersions?: readonly number[];
  /** The plugin's own local build (the pull request's), not a release: reports mark it "(this build)". */
  localBuild?: boolean;
}

export interface PluginInput {
  name: string;
  versions: readonly PluginVersionInput[];
}

export interface PlanOptions {
  /**
   * A version whose protocols are unknown: "assume" plans it reachable from every core (the run's
   * handshake then tells; the cell says `protocolVersion: null`), "unreachable" leaves it out. Default "assume".
   */
  unknownProtocols?: 'assume' | 'unreachable';
}

export type ReasonCode = 'retired' | 'no-common-protocol' | 'unknown-protocols';

export interface UnreachableReason {
  code: ReasonCode;
  message: string;
}

interface CellBase {
  /** `fctl@<core> <plugin>@<version>`: unique in a plan, stable across runs. */
  id: string;
  core: string;
  plugin: string;
  version: string;
}

export interface ReachableCell extends CellBase {
  status: 'reachable';
  /** The version they will speak (the highest common), or null when the plugin's are unknown. */
  protocolVersion: number | null;
  deprecated?: string;
}

export interface UnreachableCell extends CellBase {
  status: 'unreachable';
  reasons: UnreachableReason[];
}

export type PlannedCell = ReachableCell | UnreachableCell;

export interface PlanPluginVersion {
  version: string;
  compatibleWith: string;
  protocolVersions: number[] | null;
  deprecated?: string;
  retired?: string;
  localBuild?: true;
}

export interface Plan {
  /** How versions with unknown protocols were planned (PlanOptions). */
  unknownProtocols: 'assume' | 'unreachable';
  /** Ascending by semver. */
  cores: { version: string; protocolVersions: number[] }[];
  /** By name; versions ascending by semver. */
  plugins: { name: string; versions: PlanPluginVersion[] }[];
  /** Cores, then plugins, then versions, in the orders above. */
  cells: PlannedCell[];
}

export const cellId = (core: string, plugin: string, version: string) => `fctl@${core} ${plugin}@${version}`;

/** The marker reports put after a local build's version. */
export const LOCAL_BUILD_MARKER = '(this build)';

/** A column of the reports: `plugin@version`, a local build's marked `plugin@version (this build)`. */
export const pluginVersionLabel = (plugin: string, entry: Pick<PlanPluginVersion, 'version' | 'localBuild'>) => `${plugin}@${entry.version}${entry.localBuild ? ` ${LOCAL_BUILD_MARKER}` : ''}`;

const MAX_PROTOCOL_VERSION = 1_000_000;

function protocols(value: unknown, where: string): number[] {
  if (!Array.isArray(value) || value.length === 0) throw new PlanError(`${where}: protocolVersions must be a non-empty list of protocol versions (positive integers)`);
  for (const item of value) {
    if (!Number.isSafeInteger(item) || (item as number) < 1 || (item as number) > MAX_PROTOCOL_VERSION) {
      throw new PlanError(`${where}: protocolVersions holds ${quoteInput(item)}, which is not a protocol version (a positive integer)`);
    }
  }
  return [...new Set(value as number[])].sort((a, b) => a - b);
}

function exactVersion(value: unknown, where: string): string {
  // semver.valid drops build metadata ("1.0.0+a" -> "1.0.0"): such a version is refused, as by the registry's loader.
  if (typeof value !== 'string' || semver.valid(value) !== value) throw new PlanError(`${where}: ${quoteInput(value)} is not a semver version like 1.2.0 (no "v", no range)`);
  return value;
}

function refuseDuplicates(versions: string[], where: string): void {
  const sorted = [...versions].sort(semver.compare);
  for (let i = 1; i < sorted.length; i++) {
    if (semver.eq(sorted[i - 1]!, sorted[i]!)) throw new PlanError(`${where} lists version ${sorted[i]} twice`);
  }
}

const retiredText = (retired: PluginVersionInput['retired']): string | undefined =>
  retired === undefined || retired === false ? undefined : retired === true ? 'retired' : String(retired);

function checkCores(cores: readonly CoreInput[]): Plan['cores'] {
  if (!Array.isArray(cores)) throw new PlanError('cores must be a list');
  const checked = cores.map((core, index) => {
    const version = exactVersion(core?.version, `cores[${index}]`);
    return { version, protocolVersions: protocols(core.protocolVersions, `core ${version}`) };
  });
  refuseDuplicates(checked.map((core) => core.version), 'cores');
  return checked.sort((a, b) => semver.compare(a.version, b.version));
}

function checkPlugins(plugins: readonly PluginInput[]): Plan['plugins'] {
  if (!Array.isArray(plugins)) throw new PlanError('plugins must be a list');
  const pattern = new RegExp(PLUGIN_NAME_PATTERN);
  const names = new Set<string>();
  const checked = plugins.map((plugin, index) => {
    const name = plugin?.name;
    if (typeof name !== 'string' || !pattern.test(name)) throw new PlanError(`plugins[${index}]: ${quoteInput(name)} is not a plugin name (a-z, 0-9 and "-", at most 63 characters)`);
    if (names.has(name)) throw new PlanError(`plugins lists ${name} twice`);
    names.add(name);
    const entries: readonly PluginVersionInput[] = plugin.versions;
    if (!Array.isArray(entries)) throw new PlanError(`plugin ${name}: versions must be a list`);
    const versions = entries.map((entry, at): PlanPluginVersion => {
      const version = exactVersion(entry?.version, `plugin ${name} versions[${at}]`);
      const where = `${name}@${version}`;
      if (typeof entry.compatibleWith !== 'string' || semver.validRange(entry.compatibleWith) === null) {
        throw new PlanError(`${where}: compatibleWith ${quoteInput(entry.compatibleWith)} is not a semver range`);
      }
      const retired = retiredText(entry.retired);
      return {
        version,
        compatibleWith: entry.compatibleWith,
        protocolVersions: entry.protocolVersions === undefined ? null : protocols(entry.protocolVersions, where),
        ...(typeof entry.deprecated === 'string' ? { deprecated: entry.deprecated } : {}),
        ...(retired !== undefined ? { retired } : {}),
        ...(entry.localBuild === true ? { localBuild: true as const } : {}),
      };
    });
    refuseDuplicates(versions.map((entry) => entry.version), `plugin ${name}`);
    return { name, versions: versions.sort((a, b) => semver.compare(a.version, b.version)) };
  });
  return checked.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

function cellFor(core: Plan['cores'][number], plugin: string, entry: PlanPluginVersion, options: Required<PlanOptions>): PlannedCell {
  const base = { id: cellId(core.version, plugin, entry.version), core: core.version, plugin, version: entry.version };
  const reasons: UnreachableReason[] = [];
  if (entry.retired !== undefined) reasons.push({ code: 'retired', message: `${plugin}@${entry.version} is retired: ${entry.retired}` });
  let protocolVersion: number | null = null;
  if (entry.protocolVersions) {
    const common = pickProtocolVersion(core.protocolVersions, entry.protocolVersions);
    if (common === undefined) {
      reasons.push({
        code: 'no-common-protocol',
        message: `fctl ${core.version} speaks protocol version ${core.protocolVersions.join(', ')}; ${plugin}@${entry.version} speaks ${entry.protocolVersions.join(', ')}`,
      });
    } else protocolVersion = common;
  } else if (options.unknownProtocols === 'unreachable') {
    reasons.push({ code: 'unknown-protocols', message: `the protocol versions ${plugin}@${entry.version} speaks are not known` });
  }
  if (reasons.length) return { ...base, status: 'unreachable', reasons };
  return { ...base, status: 'reachable', protocolVersion, ...(entry.deprecated !== undefined ? { deprecated: entry.deprecated } : {}) };
}

export function planMatrix(input: { cores: readonly CoreInput[]; plugins: readonly PluginInput[] }, options: PlanOptions = {}): Plan {
  const resolved: Required<PlanOptions> = { unknownProtocols: options.unknownProtocols ?? 'assume' };
  if (resolved.unknownProtocols !== 'assume' && resolved.unknownProtocols !== 'unreachable') throw new PlanError(`unknownProtocols must be "assume" or "unreachable"`);
  const cores = checkCores(input.cores);
  const plugins = checkPlugins(input.plugins);
  const cells: PlannedCell[] = [];
  for (const core of cores) {
    for (const plugin of plugins) for (const entry of plugin.versions) cells.push(cellFor(core, plugin.name, entry, resolved));
  }
  return { unknownProtocols: resolved.unknownProtocols, cores, plugins, cells };
}

export const reachableCells = (plan: Plan): ReachableCell[] => plan.cells.filter((cell): cell is ReachableCell => cell.status === 'reachable');
