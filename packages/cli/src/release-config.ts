// The "release" section of fctl-plugin.json: where `fctl-kit release` publishes and registers.
//   "release": {
//     "backends": [
//       { "backend": "url", "to": "../../dist/plugins", "publicBase": "https://dl.example.com/fctl" },
//       { "backend": "oci", "to": "registry.example.com/fctl/ledger" },
//       { "backend": "github-releases", "repo": "formancehq/ledger" }          (or private-releases; "apiUrl" for GHE)
//     ],
//     "registry": { "file": "../../registry.yaml" }
//              or { "github": { "repo": "formancehq/fctl-registry", "path": "registry.yaml", "base": "main" } }
//   }
// Paths are relative to the plugin directory. The first backend is the one the registry entry of a
// new plugin names; the others are mirrors.
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { PLUGIN_CONFIG } from '@fctl-kit/build';

export type ReleaseBackend =
  | { backend: 'url'; to: string; publicBase?: string }
  | { backend: 'oci'; to: string }
  | { backend: 'github-releases' | 'private-releases'; repo: string; apiUrl?: string };

export type RegistryTarget = { file: string } | { github: { repo: string; path: string; base?: string; apiUrl?: string } };

export interface ReleaseConfig {
  backends: ReleaseBackend[];
  registry?: RegistryTarget;
}

export class ReleaseConfigError extends Error {}

const REPO = /^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/;
const isRemote = (to: string) => /^https?:\/\//i.test(to);

function text(value: unknown, where: string): string {
  if (typeof value !== 'string' || !value.trim()) throw new ReleaseConfigError(`${where} must be a non-empty string`);
  return value;
}

/** A misspelt setting is an error, not a setting silently ignored. */
function onlyKeys(value: Record<string, unknown>, allowed: string[], where: string): void {
  const unknown = Object.keys(value).filter((key) => !allowed.includes(key));
  if (unknown.length) throw new ReleaseConfigError(`${where} has unknown setting${unknown.length > 1 ? 's' : ''} ${unknown.map((k) => `"${k}"`).join(', ')} (known: ${allowed.join(', ')})`);
}

const BACKEND_KEYS: Record<string, string[]> = {
  url: ['backend', 'to', 'publicBase'],
  oci: ['backend', 'to'],
  'github-releases': ['backend', 'repo', 'apiUrl'],
  'private-releases': ['backend', 'repo', 'apiUrl'],
};

function backendFrom(value: Record<string, unknown>, where: string, pluginDir: string): ReleaseBackend {
  if (typeof value.backend === 'string' && BACKEND_KEYS[value.backend]) onlyKeys(value, BACKEND_KEYS[value.backend]!, where);
  switch (value.backend) {
    case 'url': {
      const to = text(value.to, `${where}.to`);
      return { backend: 'url', to: isRemote(to) ? to : resolve(pluginDir, to), ...(value.publicBase !== undefined ? { publicBase: text(value.publicBase, `${where}.publicBase`) } : {}) };
    }
    case 'oci':
      return { backend: 'oci', to: text(value.to, `${where}.to`) };
    case 'github-releases':
    case 'private-releases': {
      const repo = text(value.repo, `${where}.repo`);
      if (!REPO.test(repo)) throw new ReleaseConfigError(`${where}.repo must be owner/name; got "${repo}"`);
      return { backend: value.backend, repo, ...(value.apiUrl !== undefined ? { apiUrl: text(value.apiUrl, `${where}.apiUrl`) } : {}) };
    }
    default:
      throw new ReleaseConfigError(`${where}.backend must be one of url, oci, github-releases, private-releases; got ${JSON.stringify(value.backend)}`);
  }
}

function registryFrom(value: Record<string, unknown>, where: string, pluginDir: string): RegistryTarget {
  if (!value || typeof value !== 'object') throw new ReleaseConfigError(`${where} must be an object`);
  onlyKeys(value, ['file', 'github'], where);
  if ('file' in value && !('github' in value)) return { file: resolve(pluginDir, text(value.file, `${where}.file`)) };
  if ('github' in value && !('file' in value) && value.github && typeof value.github === 'object') {
    const github = value.github as Record<string, unknown>;
    onlyKeys(github, ['repo', 'path', 'base', 'apiUrl'], `${where}.github`);
    const repo = text(github.repo, `${where}.github.repo`);
    if (!REPO.test(repo)) throw new ReleaseConfigError(`${where}.github.repo must be owner/name; got "${repo}"`);
    return {
      github: {
        repo,
        path: text(github.path, `${where}.github.path`),
        ...(github.base !== undefined ? { base: text(github.base, `${where}.github.base`) } : {}),
        ...(github.apiUrl !== undefined ? { apiUrl: text(github.apiUrl, `${where}.github.apiUrl`) } : {}),
      },
    };
  }
  throw new ReleaseConfigError(`${where} must be { "file": "<path>" } or { "github": { "repo": "owner/name", "path": "<path>" } }`);
}

export async function readReleaseConfig(pluginDir: string): Promise<ReleaseConfig> {
  const path = join(resolve(pluginDir), PLUGIN_CONFIG);
  const release = (JSON.parse(await readFile(path, 'utf8')) as { release?: unknown }).release as Record<string, unknown> | undefined;
  if (!release || typeof release !== 'object') {
    throw new ReleaseConfigError(`${path} has no "release" section: name the backends to publish to and the registry, e.g.\n  "release": { "backends": [{ "backend": "url", "to": "../../dist/plugins" }], "registry": { "file": "../../registry.yaml" } }`);
  }
  const where = `${path}: release`;
  onlyKeys(release, ['backends', 'registry'], where);
  if (!Array.isArray(release.backends) || !release.backends.length) throw new ReleaseConfigError(`${where}.backends must list at least one backend`);
  const backends = release.backends.map((backend, index) => {
    if (!backend || typeof backend !== 'object') throw new ReleaseConfigError(`${where}.backends[${index}] must be an object`);
    return backendFrom(backend as Record<string, unknown>, `${where}.backends[${index}]`, resolve(pluginDir));
  });
  const registry = release.registry === undefined ? undefined : registryFrom(release.registry as Record<string, unknown>, `${where}.registry`, resolve(pluginDir));
  return { backends, ...(registry ? { registry } : {}) };
}
