// The local multi-version plugin store: <config>/plugins.json plus one directory per name and version.
import { createHash } from 'node:crypto';
import { chmod, copyFile, mkdir, readFile, rename, rm } from 'node:fs/promises';
import { extname, join } from 'node:path';
import type { Manifest } from '@fctl-kit/protocol';
import { readJsonFile, writeJsonAtomic } from '../config/json-file.js';

export interface InstalledVersion {
  compatibleWith: string;
  path: string;
  sha256: string;
  /** Where it was installed from, e.g. "path:/home/me/ledger/cmd/fctl-plugin". */
  source: string;
  installedAt: string;
  service: string;
  description: string;
  repository?: string;
  issues?: string;
}

export interface StoredPlugin {
  name: string;
  versions: Record<string, InstalledVersion>;
}

export interface PluginsFile {
  plugins: StoredPlugin[];
}

function checkPluginsFile(value: unknown): PluginsFile {
  const file = value as PluginsFile;
  if (!file || !Array.isArray(file.plugins)) throw new Error('plugins.json has no "plugins" list; fix or remove it');
  return file;
}

export class PluginStore {
  constructor(private readonly configDir: string) {}

  get path(): string {
    return join(this.configDir, 'plugins.json');
  }

  read(): Promise<PluginsFile> {
    return readJsonFile(this.path, { plugins: [] }, checkPluginsFile);
  }

  async get(name: string): Promise<StoredPlugin | undefined> {
    return (await this.read()).plugins.find((plugin) => plugin.name === name);
  }

  /**
   * Copies `file` into the store as `name` at the manifest's version and records it.
   * The copy is renamed into place only once complete, so a reader never sees half a file.
   */
  async install(
    file: string,
    manifest: Manifest,
    options: { compatibleWith: string; source: string; extraFiles?: string[] },
  ): Promise<InstalledVersion & { version: string }> {
    const version = manifest.version;
    const directory = join(this.configDir, 'plugins', manifest.name, version);
    await mkdir(directory, { recursive: true });
    const target = join(directory, `fctl-plugin-${manifest.name}${extname(file)}`);
    const staging = `${target}.${process.pid}.tmp`;
    await copyFile(file, staging);
    await chmod(staging, 0o755);
    const sha256 = createHash('sha256').update(await readFile(staging)).digest('hex');
    for (const extra of options.extraFiles ?? []) {
      await copyFile(extra, join(directory, `fctl-plugin-${manifest.name}${extname(file)}${extname(extra)}`));
    }
    await rename(staging, target);

    const entry: InstalledVersion = {
      compatibleWith: options.compatibleWith,
      path: target,
      sha256,
      source: options.source,
      installedAt: new Date().toISOString(),
      service: manifest.service,
      description: manifest.description,
      ...(manifest.repository ? { repository: manifest.repository } : {}),
      ...(manifest.issues ? { issues: manifest.issues } : {}),
    };
    const state = await this.read();
    let stored = state.plugins.find((plugin) => plugin.name === manifest.name);
    if (!stored) {
      stored = { name: manifest.name, versions: {} };
      state.plugins.push(stored);
      state.plugins.sort((a, b) => a.name.localeCompare(b.name));
    }
    stored.versions[version] = entry;
    await writeJsonAtomic(this.path, state);
    return { ...entry, version };
  }

  /** Removes one version, or every version when `version` is undefined; returns what was removed. */
  async remove(name: string, version?: string): Promise<string[]> {
    const state = await this.read();
    const stored = state.plugins.find((plugin) => plugin.name === name);
    if (!stored) throw new Error(`plugin "${name}" is not installed`);
    const versions = version === undefined ? Object.keys(stored.versions) : [version];
    for (const v of versions) {
      if (!stored.versions[v]) {
        throw new Error(`plugin "${name}" has no installed version ${v} (installed: ${Object.keys(stored.versions).join(', ')})`);
      }
      delete stored.versions[v];
    }
    if (!Object.keys(stored.versions).length) state.plugins = state.plugins.filter((plugin) => plugin !== stored);
    await writeJsonAtomic(this.path, state);
    for (const v of versions) await rm(join(this.configDir, 'plugins', name, v), { recursive: true, force: true });
    return versions;
  }
}
