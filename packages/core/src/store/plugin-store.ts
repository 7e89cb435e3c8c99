// The local multi-version plugin store: <config>/plugins.json plus one directory per installed
// build, <config>/plugins/<name>/<version>-<sha256 prefix>/. A build is staged in
// <config>/plugins/.staging/, renamed into place once verified, and becomes visible only when
// plugins.json (written atomically) points at it: a process killed at any moment leaves either the
// old state or the new one. File locks serialise installs of a plugin and writes of plugins.json
// across processes.
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { sha256File } from '@fctl-kit/artifacts';
import { withFileLock, writeFileAtomic, writeJsonAtomic } from '@fctl-kit/files';
import type { Manifest } from '@fctl-kit/protocol';
import { ManifestCache } from './manifest-cache.js';
import { checkPluginsText, DamagedPluginsFileError, type Damage } from './plugins-file.js';

export interface InstalledVersion {
  compatibleWith: string;
  path: string;
  sha256: string;
  /** Where it was installed from, e.g. "path:/home/me/ledger/cmd/fctl-plugin" or "registry:https://...". */
  source: string;
  installedAt: string;
  service: string;
  description: string;
  repository?: string;
  issues?: string;
  /** The registry's deprecation message, refreshed whenever the registry is read. */
  deprecated?: string;
}

export interface StoredPlugin {
  name: string;
  versions: Record<string, InstalledVersion>;
}

export interface PluginsFile {
  plugins: StoredPlugin[];
}

/** Waits for another installer for up to 2 minutes; a lock whose holder died is taken over after 10 s. */
const LOCK_OPTIONS = { staleMs: 10_000, updateMs: 2_000, waitMs: 120_000 };

export class PluginStore {
  constructor(private readonly configDir: string) {}

  get path(): string {
    return join(this.configDir, 'plugins.json');
  }

  private get root(): string {
    return join(this.configDir, 'plugins');
  }

  /** plugins.json as it stands; a damaged file is refused (DamagedPluginsFileError: what is wrong where, how to repair). */
  async read(): Promise<PluginsFile> {
    const text = await this.readText();
    if (text === undefined) return { plugins: [] };
    const { file, damage } = checkPluginsText(text, this.configDir);
    if (damage.length) throw new DamagedPluginsFileError(this.path, damage);
    return file as PluginsFile;
  }

  private async readText(): Promise<string | undefined> {
    try {
      return await readFile(this.path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }

  /**
   * Rewrites a damaged plugins.json without its invalid entries (`plugin install` and `remove` call
   * this first), keeping the damaged file beside it as plugins.json.damaged-<time>. Returns what was dropped.
   */
  async repair(warn: (message: string) => void): Promise<Damage[]> {
    const text = await this.readText();
    if (text === undefined || !checkPluginsText(text, this.configDir).damage.length) return [];
    return this.locked(this.path, async () => {
      const text = await this.readText();
      if (text === undefined) return [];
      const { file, damage } = checkPluginsText(text, this.configDir);
      if (!damage.length) return [];
      const backup = `${this.path}.damaged-${new Date().toISOString().replace(/[:.]/g, '-')}`;
      await writeFileAtomic(backup, text);
      await writeJsonAtomic(this.path, file);
      for (const { place, problem, dropped } of damage) warn(`${this.path}: dropped ${dropped}: ${place || 'the file'} ${problem}`);
      warn(`the damaged file is kept as ${backup}`);
      return damage;
    });
  }

  async get(name: string): Promise<StoredPlugin | undefined> {
    return (await this.read()).plugins.find((plugin) => plugin.name === name);
  }

  private locked<T>(path: string, work: () => Promise<T>): Promise<T> {
    return withFileLock(path, work, LOCK_OPTIONS);
  }

  /** Runs `work` while no other fctl process installs or removes plugin `name`. */
  withPluginLock<T>(name: string, work: () => Promise<T>): Promise<T> {
    return this.locked(join(this.root, '.locks', name), work);
  }

  private update(change: (state: PluginsFile) => void): Promise<PluginsFile> {
    return this.locked(this.path, async () => {
      const state = await this.read();
      change(state);
      await writeJsonAtomic(this.path, state);
      return state;
    });
  }

  /** A fresh directory to stage a build in, on the same file system as the store. */
  async stagingDirectory(): Promise<string> {
    const directory = join(this.root, '.staging', `${process.pid}-${randomBytes(6).toString('hex')}`);
    await mkdir(directory, { recursive: true });
    return directory;
  }

  /**
   * Moves a verified build (the plugin file `fctl-plugin-<name>[.ext]` plus extras, all inside a
   * staging directory) into place and records it. Call with the plugin lock held.
   */
  async commit(
    staged: string,
    fileName: string,
    manifest: Manifest,
    options: { compatibleWith: string; source: string; deprecated?: string; protocolVersion?: number },
  ): Promise<InstalledVersion & { version: string }> {
    const version = manifest.version;
    const sha256 = await sha256File(join(staged, fileName));
    const directory = join(this.root, manifest.name, `${version}-${sha256.slice(0, 12)}`);
    await mkdir(dirname(directory), { recursive: true });
    if (await stat(directory).catch(() => undefined)) await rm(staged, { recursive: true, force: true });
    else await rename(staged, directory);

    return this.record(manifest, options.protocolVersion, {
      compatibleWith: options.compatibleWith,
      path: join(directory, fileName),
      sha256,
      source: options.source,
      ...(options.deprecated ? { deprecated: options.deprecated } : {}),
    });
  }

  /**
   * Records a development build by its path, without copying it (`fctl plugin install --link`, kept
   * up to date by `fctl-kit dev`): every run starts whatever the file holds then. Call with the plugin lock held.
   */
  async link(path: string, manifest: Manifest, options: { compatibleWith: string; protocolVersion?: number }): Promise<InstalledVersion & { version: string }> {
    return this.record(manifest, options.protocolVersion, { compatibleWith: options.compatibleWith, path, sha256: await sha256File(path), source: `link:${path}` });
  }

  /** Where the manifests of installed builds are kept for help and completion (store/manifest-cache.ts). */
  manifestCache(debug?: (line: string) => void): ManifestCache {
    return new ManifestCache(this.configDir, debug);
  }

  /**
   * `protocolVersion`: the version the build negotiated when its manifest was read at install; given,
   * the manifest is cached for help and completion (best effort).
   */
  private async record(
    manifest: Manifest,
    protocolVersion: number | undefined,
    where: Pick<InstalledVersion, 'compatibleWith' | 'path' | 'sha256' | 'source' | 'deprecated'>,
  ): Promise<InstalledVersion & { version: string }> {
    const entry: InstalledVersion = {
      ...where,
      installedAt: new Date().toISOString(),
      service: manifest.service,
      description: manifest.description,
      ...(manifest.repository ? { repository: manifest.repository } : {}),
      ...(manifest.issues ? { issues: manifest.issues } : {}),
    };
    let replaced: InstalledVersion | undefined;
    await this.update((state) => {
      let stored = state.plugins.find((plugin) => plugin.name === manifest.name);
      if (!stored) {
        stored = { name: manifest.name, versions: {} };
        state.plugins.push(stored);
        state.plugins.sort((a, b) => a.name.localeCompare(b.name));
      }
      replaced = stored.versions[manifest.version];
      stored.versions[manifest.version] = entry;
    });
    await this.removeUnreferenced(manifest.name);
    if (replaced) await this.forgetManifests([replaced]);
    if (protocolVersion !== undefined) await this.manifestCache().recordInstalled(entry.path, entry.sha256, protocolVersion, manifest);
    return { ...entry, version: manifest.version };
  }

  /**
   * Deletes build directories of `name` that plugins.json does not point at (left by a replaced
   * version or an interrupted install), and stale staging directories. Call with the plugin lock held.
   */
  async removeUnreferenced(name: string): Promise<void> {
    const referenced = new Set(Object.values((await this.get(name))?.versions ?? {}).map((entry) => basename(dirname(entry.path))));
    const directory = join(this.root, name);
    for (const entry of await readdir(directory).catch(() => [] as string[])) {
      if (!referenced.has(entry)) await rm(join(directory, entry), { recursive: true, force: true });
    }
  }

  /** Staging directories of processes that are gone. */
  async removeAbandonedStaging(): Promise<void> {
    const staging = join(this.root, '.staging');
    for (const entry of await readdir(staging).catch(() => [] as string[])) {
      const pid = Number(entry.split('-')[0]);
      if (pid === process.pid || isAlive(pid)) continue;
      await rm(join(staging, entry), { recursive: true, force: true });
    }
  }

  /** Records the registry's current deprecation message (or its absence) for installed versions. */
  async refreshDeprecations(name: string, deprecatedByVersion: Map<string, string | undefined>): Promise<void> {
    const stored = await this.get(name);
    if (!stored || ![...deprecatedByVersion].some(([version, message]) => stored.versions[version] && stored.versions[version]!.deprecated !== message)) return;
    await this.update((state) => {
      const plugin = state.plugins.find((p) => p.name === name);
      for (const [version, message] of deprecatedByVersion) {
        const entry = plugin?.versions[version];
        if (!entry) continue;
        if (message) entry.deprecated = message;
        else delete entry.deprecated;
      }
    });
  }

  /** Removes one version, or every version when `version` is undefined; returns what was removed. */
  async remove(name: string, version?: string): Promise<string[]> {
    return this.withPluginLock(name, async () => {
      let removed: string[] = [];
      const builds: InstalledVersion[] = [];
      await this.update((state) => {
        const stored = state.plugins.find((plugin) => plugin.name === name);
        if (!stored) throw new Error(`plugin "${name}" is not installed`);
        removed = version === undefined ? Object.keys(stored.versions) : [version];
        for (const v of removed) {
          if (!stored.versions[v]) throw new Error(`plugin "${name}" has no installed version ${v} (installed: ${Object.keys(stored.versions).join(', ')})`);
          builds.push(stored.versions[v]!);
          delete stored.versions[v];
        }
        if (!Object.keys(stored.versions).length) state.plugins = state.plugins.filter((plugin) => plugin !== stored);
      });
      await this.removeUnreferenced(name);
      await this.forgetManifests(builds);
      return removed;
    });
  }

  /**
   * Drops the manifest cache entries of builds plugins.json no longer points at (removed or
   * replaced): help and completion must not describe a build that is gone. Bytes still installed
   * under another name or version keep their entries. Best effort: the store's change is made
   * already, so a cache that cannot be read or cleaned changes nothing.
   */
  private async forgetManifests(builds: ReadonlyArray<Pick<InstalledVersion, 'path' | 'sha256'>>): Promise<void> {
    try {
      const installed = (await this.read()).plugins.flatMap((plugin) => Object.values(plugin.versions));
      const stillInstalled = new Set(installed.map((entry) => `${entry.sha256} ${entry.path}`));
      const gone = builds.filter((build) => !stillInstalled.has(`${build.sha256} ${build.path}`));
      if (gone.length) await this.manifestCache().forget(gone, new Set(installed.map((entry) => entry.sha256)));
    } catch {
      // A cache left behind is refreshed on the next run (its entries are keyed by content).
    }
  }
}

function isAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
