// An OCI repository reference as the registry document names it: host[:port]/path (the tag is the
// plugin version). Plain http is used only for loopback registries, as Docker does.
import { isLoopbackHost } from '../loopback.js';
import { PublishError } from '../publish.js';

export interface OciRepository {
  host: string;
  repository: string;
  /** https://host, or http://host for loopback. */
  base: URL;
}

const REPOSITORY = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/;

export function parseOciRepository(text: string): OciRepository {
  const value = text.replace(/^oci:\/\//, '');
  const slash = value.indexOf('/');
  if (slash <= 0) throw new PublishError(`"${text}" is not an OCI repository like registry.example.com/fctl/ledger`);
  const host = value.slice(0, slash);
  const repository = value.slice(slash + 1);
  if (!REPOSITORY.test(repository)) throw new PublishError(`"${repository}" is not a valid OCI repository name (lowercase letters, digits, separators)`);
  const hostname = new URL(`https://${host}`).hostname;
  const base = new URL(`${isLoopbackHost(hostname) ? 'http' : 'https'}://${host}`);
  return { host, repository, base };
}

const TAG = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/;

/** Why `version` cannot be an OCI tag (the distribution spec's rule: no "+", at most 128 characters), else undefined. */
export function tagProblem(version: string): string | undefined {
  return TAG.test(version) ? undefined : `version ${JSON.stringify(version)} cannot be an OCI tag (letters, digits, ".", "_" and "-", at most 128 characters: no "+")`;
}
