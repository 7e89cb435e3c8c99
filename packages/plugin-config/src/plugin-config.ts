// cmd/fctl-plugin/fctl-plugin.json: which service the plugin serves and where that service's
// version comes from - the one place the plugin version is read from (it is never written by hand).
//   { "name": "ledger", "service": "ledger", "version": { "source": "git-tag" } }
//   { ..., "version": { "source": "package-json", "path": "../../package.json" } }   (paths from the plugin directory)
//   { ..., "version": { "source": "file", "path": "../../VERSION" } }
import { execFile } from 'node:child_process';
import { open, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { schemaErrorText, type SchemaError } from '@fctl-kit/protocol';
import semver from 'semver';
import { releaseTagsOf, snapshotRequested, snapshotVersion } from './snapshot.js';
import validatePluginConfigFile from './generated/plugin-config.js';
import type { PluginConfigFile, PluginLanguage } from './plugin-config-schema.js';

export type { GoSettings, PluginLanguage, VersionSource } from './plugin-config-schema.js';

const run = promisify(execFile);
export const PLUGIN_CONFIG = 'fctl-plugin.json';
export const VERSION_SOURCES = ['git-tag', 'package-json', 'file'] as const;
/** A plugin configuration is a few hundred bytes; anything near this is not one. */
export const MAX_PLUGIN_CONFIG_BYTES = 1024 * 1024;

/** fctl-plugin.json as its schema (src/plugin-config-schema.ts) describes it. */
export type PluginConfig = PluginConfigFile;

export class VersionError extends Error {}

/** The language a plugin is built from: its "language" setting, TypeScript when it has none. */
export const pluginLanguage = (config: Pick<PluginConfig, 'language'>): PluginLanguage => config.language ?? 'typescript';

/**
 * A Go plugin's main package, as a directory from the plugin directory: "go.main", else the plugin
 * directory itself (cmd/fctl-plugin, package main in the product's module, as the RFC lays it out).
 */
export const goMainPackage = (config: Pick<PluginConfig, 'go'>): string => config.go?.main ?? '.';

const validate = validatePluginConfigFile as unknown as ((value: unknown) => boolean) & { errors?: SchemaError[] | null };

/** Checks the text of fctl-plugin.json; `path` names it in errors, which say the place and the problem. */
export function parsePluginConfig(text: string, path: string): PluginConfig {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new VersionError(`cannot read ${path}: ${(error as Error).message}`);
  }
  if (!validate(value)) throw new VersionError(schemaErrorText(path, validate.errors, { field: 'setting' }));
  return value as PluginConfig;
}

async function readBounded(path: string): Promise<string> {
  const handle = await open(path, 'r');
  try {
    const { size } = await handle.stat();
    if (size > MAX_PLUGIN_CONFIG_BYTES) throw new Error(`it is ${size} bytes, over the limit of ${MAX_PLUGIN_CONFIG_BYTES}`);
    return await handle.readFile('utf8');
  } finally {
    await handle.close();
  }
}

export async function readPluginConfig(pluginDir: string): Promise<PluginConfig> {
  const path = join(resolve(pluginDir), PLUGIN_CONFIG);
  const text = await readBounded(path).catch((error: Error) => {
    throw new VersionError(`cannot read ${path}: ${error.message}`);
  });
  return parsePluginConfig(text, path);
}

/** The repository root: where git says it is, else the nearest directory with a package.json above the plugin. */
export async function repositoryRoot(pluginDir: string): Promise<string> {
  try {
    const { stdout } = await run('git', ['rev-parse', '--show-toplevel'], { cwd: pluginDir });
    return stdout.trim();
  } catch {
    return resolve(pluginDir, '..', '..');
  }
}

/**
 * The release tag on HEAD, if there is one: `vX.Y.Z`, or `<package>@X.Y.Z` for one of
 * `packageNames` (the tags `changeset tag` creates). The highest version wins.
 */
export async function releaseTag(dir: string, packageNames: readonly string[] = []): Promise<{ tag: string; version: string } | undefined> {
  let stdout: string;
  try {
    ({ stdout } = await run('git', ['tag', '--points-at', 'HEAD'], { cwd: dir }));
  } catch {
    return undefined;
  }
  return releaseTagsOf(stdout, packageNames)[0];
}

function checked(version: string | undefined, where: string): string {
  const clean = version?.trim();
  if (!clean || semver.valid(clean) !== clean) throw new VersionError(`${where} holds ${JSON.stringify(clean ?? '')}, not a semver version like 3.2.0`);
  return clean;
}

/** A service version and where it came from; `snapshot` says how snapshot mode supplied it (no release tag on HEAD). */
export interface ServiceVersion {
  version: string;
  from: string;
  snapshot?: 'nearest-tag' | 'fallback';
}

export interface ServiceVersionOptions {
  /** Snapshot mode (a command's --snapshot); FCTL_KIT_SNAPSHOT in `env` turns it on too. */
  snapshot?: boolean;
  env?: NodeJS.ProcessEnv;
}

/** The service version, from the source the plugin configuration names (in snapshot mode, see snapshot.ts). */
export async function serviceVersion(pluginDir: string, config?: PluginConfig, options: ServiceVersionOptions = {}): Promise<ServiceVersion> {
  const plugin = config ?? (await readPluginConfig(pluginDir));
  const root = await repositoryRoot(resolve(pluginDir));
  const source = plugin.version;
  if (source.source === 'git-tag') {
    const tag = await releaseTag(root);
    if (tag) return { version: tag.version, from: `git tag ${tag.tag}` };
    if (options.snapshot || snapshotRequested(options.env ?? process.env)) {
      const { origin, ...snapshot } = await snapshotVersion(root);
      return { ...snapshot, snapshot: origin };
    }
    throw new VersionError(`the version comes from a vX.Y.Z git tag on HEAD, and HEAD of ${root} has none`);
  }
  const path = resolve(pluginDir, source.path);
  const text = await readFile(path, 'utf8').catch(() => {
    throw new VersionError(`the version source ${path} does not exist`);
  });
  if (source.source === 'package-json') return { version: checked((JSON.parse(text) as { version?: string }).version, `"version" of ${path}`), from: path };
  return { version: checked(text, path), from: path };
}
