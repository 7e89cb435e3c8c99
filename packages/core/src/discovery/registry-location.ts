// Where fctl finds its plugin registry: FCTL_REGISTRY, else "registry" in config.json (set with
// `fctl plugin registry set`). An https URL, http to loopback only, or a file.
import { isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isLoopbackHost } from '@fctl-kit/backends/loopback';
import { readJsonFile, updateJsonFile } from '../config/json-file.js';

export type RegistryLocation = { kind: 'url'; url: URL; display: string } | { kind: 'file'; path: string; display: string };


export function parseRegistryLocation(text: string, cwd = process.cwd()): RegistryLocation {
  const value = text.trim();
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(value)) {
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      throw new Error(`invalid registry URL ${JSON.stringify(value)}`);
    }
    if (url.protocol === 'file:') return { kind: 'file', path: fileURLToPath(url), display: fileURLToPath(url) };
    if (url.username || url.password) throw new Error('the registry URL must not contain credentials');
    if (url.protocol === 'https:' || (url.protocol === 'http:' && isLoopbackHost(url.hostname))) {
      return { kind: 'url', url, display: `${url.protocol}//${url.host}${url.pathname}` };
    }
    if (url.protocol === 'http:') throw new Error(`refusing plain http for the registry (${url.host}): use https (http is allowed only to loopback)`);
    throw new Error(`unsupported registry URL scheme ${url.protocol.slice(0, -1)}: use https or a file`);
  }
  if (!value) throw new Error('the registry location is empty');
  const path = isAbsolute(value) ? value : resolve(cwd, value);
  return { kind: 'file', path, display: path };
}

interface ConfigWithRegistry {
  registry?: string;
}

const configFile = (configDir: string) => join(configDir, 'config.json');
const asConfig = (value: unknown) => (value && typeof value === 'object' ? (value as ConfigWithRegistry & Record<string, unknown>) : {});

export async function configuredRegistry(configDir: string, env: NodeJS.ProcessEnv): Promise<RegistryLocation | undefined> {
  if (env.FCTL_REGISTRY) return parseRegistryLocation(env.FCTL_REGISTRY);
  const { registry } = await readJsonFile(configFile(configDir), {}, asConfig);
  return registry ? parseRegistryLocation(registry) : undefined;
}

/** Under config.json's lock, like the profile commands: a concurrent `fctl profile add` is kept. */
export async function saveRegistry(configDir: string, location: RegistryLocation | undefined): Promise<void> {
  await updateJsonFile(configFile(configDir), { profiles: {} } as Record<string, unknown>, asConfig, (file) => {
    if (location) file.registry = location.kind === 'url' ? location.url.toString() : location.path;
    else delete file.registry;
  });
}
