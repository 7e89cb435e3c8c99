// Checking <config>/plugins.json as the untrusted file it is (hand edits, damage) and, for the commands
// that may rewrite it, salvaging what is valid: each invalid plugin or version entry is dropped and
// named, the rest is kept as it was.
import { isAbsolute, join, relative, sep } from 'node:path';
import { describeSchemaError, exceedsJsonDepth, quoteValue, type SchemaError } from '@fctl-kit/protocol';
import { validate as generatedValidate } from './generated/plugins-file.js';
import { UNKNOWN_FIELD_DEPTH } from './plugins-file-limits.js';
import type { PluginsFile, StoredPlugin } from './plugins-file-schema.js';

const validate = generatedValidate as unknown as ((value: unknown) => boolean) & { errors?: SchemaError[] | null };

export interface Damage {
  /** e.g. `plugins[2].versions["latest"]`, or empty for the whole file. */
  place: string;
  problem: string;
  /** What a repair drops for it, e.g. `plugins[2] ("ledger") version "latest"`, or `every entry`. */
  dropped: string;
}

export interface CheckedPluginsFile {
  /** The valid part: everything, when `damage` is empty. */
  file: PluginsFile;
  damage: Damage[];
}

/** plugins.json is damaged: what is wrong where, and how to repair it. */
export class DamagedPluginsFileError extends Error {
  override name = 'DamagedPluginsFileError';

  constructor(
    readonly path: string,
    readonly damage: Damage[],
  ) {
    const shown = damage.slice(0, 5).map((d) => `  ${d.place ? `${d.place} ` : ''}${d.problem}`);
    if (damage.length > shown.length) shown.push(`  ... and ${damage.length - shown.length} more`);
    super(
      `${path} is damaged:\n${shown.join('\n')}\n\n` +
        `  Repair it: fctl plugin install <name> (or fctl plugin remove <name>) drops the invalid entries, keeping a copy of the file as ${path}.damaged-<time>;\n` +
        `  or fix the file by hand.`,
    );
  }
}

const isObject = (value: unknown): value is Record<string, unknown> => value !== null && typeof value === 'object' && !Array.isArray(value);

/** A build's file lies inside the store's directory for its plugin, or is the linked development build its source names. */
function pathProblem(configDir: string, name: string, path: string, source: string): string | undefined {
  if (source === `link:${path}` && isAbsolute(path)) return undefined;
  const root = join(configDir, 'plugins', name);
  const inside = relative(root, path);
  if (!isAbsolute(path) || !inside || inside.startsWith(`..${sep}`) || inside === '..' || isAbsolute(inside)) {
    return `is ${quoteValue(path, 200)}, outside the plugin store ${root}`;
  }
  return undefined;
}

/** Validates one plugin entry, dropping invalid versions; undefined when the entry itself is invalid. */
function salvagePlugin(entry: unknown, index: number, configDir: string, damage: Damage[]): StoredPlugin | undefined {
  const at = `plugins[${index}]`;
  const before = damage.length;
  const named = isObject(entry) && typeof entry.name === 'string' ? `${at} (${quoteValue(entry.name)})` : at;
  const candidate = isObject(entry) && isObject(entry.versions) ? { ...entry, versions: { ...entry.versions } } : entry;
  for (;;) {
    if (validate({ plugins: [candidate] })) break;
    const error = validate.errors?.[0];
    const segments = (error?.instancePath ?? '').split('/').slice(3); // past "", "plugins", "0"
    const { place, problem } = describeSchemaError(validate.errors);
    const where = place.replace(/^plugins\[0\]/, at);
    const versions = isObject(candidate) && isObject(candidate.versions) ? candidate.versions : undefined;
    // An error inside one version entry, or about one version key, costs that version only.
    const version = segments[0] === 'versions' ? (segments[1]?.replaceAll('~1', '/').replaceAll('~0', '~') ?? error?.propertyName) : undefined;
    if (versions && version !== undefined && version in versions) {
      damage.push({ place: where, problem, dropped: `${named} version ${quoteValue(version)}` });
      delete versions[version];
      continue;
    }
    damage.push({ place: where, problem, dropped: named });
    return undefined;
  }
  const plugin = candidate as StoredPlugin;
  for (const [version, installed] of Object.entries(plugin.versions)) {
    const problem = pathProblem(configDir, plugin.name, installed.path, installed.source);
    if (!problem) continue;
    damage.push({ place: `${at}.versions[${quoteValue(version)}].path`, problem, dropped: `${named} version ${quoteValue(version)}` });
    delete plugin.versions[version];
  }
  // Emptied by the repair: nothing of it is left to run.
  return Object.keys(plugin.versions).length || damage.length === before ? plugin : undefined;
}

export function checkPluginsText(text: string, configDir: string): CheckedPluginsFile {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { file: { plugins: [] }, damage: [{ place: '', problem: `is not valid JSON (${(error as Error).message})`, dropped: 'every entry' }] };
  }
  if (!isObject(value)) return { file: { plugins: [] }, damage: [{ place: '', problem: `must be an object with a "plugins" list; got ${quoteValue(value)}`, dropped: 'every entry' }] };
  if (!Array.isArray(value.plugins)) return { file: { plugins: [] }, damage: [{ place: 'plugins', problem: `must be a list; got ${quoteValue(value.plugins)}`, dropped: 'every entry' }] };
  const damage: Damage[] = [];
  // Fields beside "plugins" are written back as they were read: one nested too deep for
  // JSON.stringify would break every later write. (The schema bounds the depth inside entries.)
  const kept: Record<string, unknown> = { ...value };
  if (exceedsJsonDepth(value, UNKNOWN_FIELD_DEPTH + 1)) {
    for (const key of Object.keys(kept)) {
      if (key === 'plugins' || !exceedsJsonDepth(kept[key], UNKNOWN_FIELD_DEPTH)) continue;
      damage.push({ place: quoteValue(key, 80), problem: `nests lists and objects more than ${UNKNOWN_FIELD_DEPTH} deep`, dropped: `the field ${quoteValue(key, 80)}` });
      delete kept[key];
    }
  }
  const seen = new Set<string>();
  const plugins: StoredPlugin[] = [];
  value.plugins.forEach((entry, index) => {
    const plugin = salvagePlugin(entry, index, configDir, damage);
    if (!plugin) return;
    if (seen.has(plugin.name)) {
      damage.push({ place: `plugins[${index}].name`, problem: `repeats ${quoteValue(plugin.name)}, listed earlier`, dropped: `plugins[${index}] (${quoteValue(plugin.name)})` });
      return;
    }
    seen.add(plugin.name);
    plugins.push(plugin);
  });
  return { file: { ...kept, plugins } as PluginsFile, damage };
}
