// Detects a service's version from the stack's /versions endpoint.
import semver from 'semver';
import type { Profile } from '../config/profiles.js';
import { getJson } from './http-get.js';

export interface StackVersions {
  /** service name -> semver (without the leading "v") */
  services: Map<string, string>;
}

export class StackError extends Error {}

function parseVersions(body: unknown): StackVersions {
  const list = (body as { versions?: unknown })?.versions;
  if (!Array.isArray(list)) throw new StackError('the stack answered /versions without a "versions" list');
  const services = new Map<string, string>();
  for (const item of list) {
    const { name, version } = (item ?? {}) as { name?: unknown; version?: unknown };
    if (typeof name !== 'string' || typeof version !== 'string') continue;
    const clean = semver.valid(version.replace(/^v/, ''));
    if (clean) services.set(name, clean);
  }
  return { services };
}

export async function fetchStackVersions(profile: Profile): Promise<StackVersions> {
  const url = new URL(`${profile.stackUrl}/versions`);
  try {
    return parseVersions(
      await getJson(url, {
        token: profile.accessToken,
        insecureSkipTlsVerify: profile.insecureSkipTlsVerify,
        timeoutMs: 10_000,
        maxBytes: 1024 * 1024,
      }),
    );
  } catch (error) {
    if (error instanceof StackError) throw error;
    throw new StackError(`cannot read the service versions of the stack: GET ${url} failed: ${(error as Error).message}`);
  }
}

export async function detectServiceVersion(profile: Profile, service: string): Promise<string> {
  const { services } = await fetchStackVersions(profile);
  const version = services.get(service);
  if (!version) {
    const known = [...services.keys()];
    throw new StackError(`the stack at ${profile.stackUrl} runs no "${service}" service${known.length ? ` (it runs: ${known.join(', ')})` : ''}`);
  }
  return version;
}
