// Registry credentials as the Docker CLI finds them in its config.json ($DOCKER_CONFIG/config.json,
// else ~/.docker/config.json), in docker's order: the credential helper credHelpers names for the
// registry, else the credsStore helper (Docker Desktop's default), else "auths" ("auth": base64
// user:password, or username/password). When a helper applies, "auths" is not read (as docker:
// a helper that holds nothing means anonymous). The registry's key is its host[:port], Docker Hub's
// https://index.docker.io/v1/. Never printed.
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { CredentialHelperError, helperCredentials } from './credential-helper.js';

export { CredentialHelperError } from './credential-helper.js';

export interface BasicCredentials {
  username: string;
  password: string;
}

interface AuthEntry {
  auth?: string;
  username?: string;
  password?: string;
}

interface DockerConfig {
  auths?: Record<string, AuthEntry>;
  credsStore?: string;
  credHelpers?: Record<string, string>;
}

/** Docker Hub's key in config.json (docker login's default server). */
export const DOCKER_HUB_KEY = 'https://index.docker.io/v1/';
const DOCKER_HUB_HOSTS = new Set(['docker.io', 'index.docker.io', 'registry-1.docker.io']);

export function dockerConfigPath(env: NodeJS.ProcessEnv = process.env): string {
  return join(env.DOCKER_CONFIG ?? join(env.HOME ?? homedir(), '.docker'), 'config.json');
}

/** The key docker files a registry's credentials under: its host[:port], or DOCKER_HUB_KEY for Docker Hub. */
export function credentialKey(host: string): string {
  return DOCKER_HUB_HOSTS.has(host.toLowerCase()) ? DOCKER_HUB_KEY : host;
}

/** An "auths" key as a host: without scheme and path (docker's ConvertToHostname, for keys like https://host/v1/). */
const hostOfKey = (key: string) => key.replace(/^https?:\/\//, '').split('/')[0]!;

function readConfig(path: string): DockerConfig | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
  let config: unknown;
  try {
    config = JSON.parse(text);
  } catch (error) {
    throw new CredentialHelperError(`cannot read the Docker config ${path}: ${(error as Error).message}`);
  }
  if (typeof config !== 'object' || config === null || Array.isArray(config)) throw new CredentialHelperError(`the Docker config ${path} is not a JSON object`);
  return config as DockerConfig;
}

function fromAuths(auths: DockerConfig['auths'], key: string): BasicCredentials | undefined {
  if (typeof auths !== 'object' || auths === null) return undefined;
  const entry = Object.hasOwn(auths, key) ? auths[key] : Object.entries(auths).find(([name]) => hostOfKey(name) === hostOfKey(key))?.[1];
  if (!entry || typeof entry !== 'object') return undefined;
  if (typeof entry.username === 'string' && typeof entry.password === 'string' && entry.username && entry.password) return { username: entry.username, password: entry.password };
  if (typeof entry.auth !== 'string' || !entry.auth) return undefined;
  const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon > 0 ? { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) } : undefined;
}

/** The helper docker would ask for `key`, and where the config names it. */
function helperFor(config: DockerConfig, key: string): { name: string; why: string } | undefined {
  const helpers = config.credHelpers;
  if (typeof helpers === 'object' && helpers !== null && Object.hasOwn(helpers, key) && typeof helpers[key] === 'string' && helpers[key]) {
    return { name: helpers[key], why: `credHelpers[${JSON.stringify(key)}]` };
  }
  if (typeof config.credsStore === 'string' && config.credsStore) return { name: config.credsStore, why: 'credsStore' };
  return undefined;
}

/** The credentials for the registry at `host` (host[:port]), or undefined (anonymous). */
export function credentialsFor(host: string, env: NodeJS.ProcessEnv = process.env, options: { helperTimeoutMs?: number } = {}): BasicCredentials | undefined {
  const path = dockerConfigPath(env);
  const config = readConfig(path);
  if (!config) return undefined;
  const key = credentialKey(host);
  const helper = helperFor(config, key);
  if (!helper) return fromAuths(config.auths, key);
  const found = helperCredentials(helper.name, key, helper.why, env, options.helperTimeoutMs);
  if (found && 'identityToken' in found) {
    throw new CredentialHelperError(
      `docker-credential-${helper.name} (${helper.why} in ${path}) gave an identity token for ${key}, which fctl-kit cannot use yet: give the helper a username and password or token for this registry, or use "auths"`,
    );
  }
  return found;
}
