// What an s3 config or registry source may name, as patterns (the TypeBox schemas use the same ones)
// and as checks that fctl runs itself on a registry's source: a bucket, prefix or region ends up in
// a host name or a request path, and a source from a registry is untrusted.
export type Addressing = 'path' | 'virtual';

/** S3's bucket rule: 3-63 characters, a-z, 0-9, "." and "-", starting and ending with a letter or digit. */
export const BUCKET_PATTERN = '^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$';
/** Key segments joined by "/", none "." or "..": URL parsers would fold those, moving the request elsewhere. */
export const PREFIX_PATTERN = "^(?!\\.{1,2}(/|$))[A-Za-z0-9!_.*'()-]+(/(?!\\.{1,2}(/|$))[A-Za-z0-9!_.*'()-]+)*$";
/** An AWS region such as eu-west-1 (it becomes part of an amazonaws.com host name). */
export const REGION_PATTERN = '^[a-z0-9]{1,20}(-[a-z0-9]{1,20}){0,4}$';
/** An origin: scheme, host and port, no path, query, fragment or user info. */
export const ENDPOINT_PATTERN = '^https?://[A-Za-z0-9.\\[\\]:-]+/?$';

const BUCKET = new RegExp(BUCKET_PATTERN);
const PREFIX = new RegExp(PREFIX_PATTERN);
const REGION = new RegExp(REGION_PATTERN);
const ENDPOINT = new RegExp(ENDPOINT_PATTERN);

export interface S3Where {
  bucket: string;
  prefix?: string;
  region?: string;
  endpoint?: string;
  addressing?: Addressing;
}

/** The first thing wrong with where `where` says objects are, or undefined. */
export function whereProblem(where: Record<string, unknown>): string | undefined {
  const { bucket, prefix, region, endpoint, addressing } = where;
  if (typeof bucket !== 'string' || !BUCKET.test(bucket) || bucket.includes('..')) return `bucket ${JSON.stringify(bucket)} is not an S3 bucket name (3-63 characters: a-z, 0-9, "." and "-")`;
  if (prefix !== undefined && (typeof prefix !== 'string' || prefix.length > 512 || !PREFIX.test(prefix))) {
    return `prefix ${JSON.stringify(prefix)} is not a key prefix (segments of letters, digits and !_.*'()- joined by "/", none "." or "..", no leading or trailing "/")`;
  }
  if (region !== undefined && (typeof region !== 'string' || !REGION.test(region))) return `region ${JSON.stringify(region)} is not a region name like eu-west-1`;
  if (endpoint !== undefined && (typeof endpoint !== 'string' || !ENDPOINT.test(endpoint) || !parsesAsOrigin(endpoint))) {
    return `endpoint ${JSON.stringify(endpoint)} is not an http(s) origin like https://s3.example.com (no path, query or user info)`;
  }
  if (addressing !== undefined && addressing !== 'path' && addressing !== 'virtual') return `addressing ${JSON.stringify(addressing)} is neither "path" nor "virtual"`;
  return undefined;
}

function parsesAsOrigin(endpoint: string): boolean {
  try {
    const url = new URL(endpoint);
    return !url.username && !url.password && url.pathname === '/' && !url.search && !url.hash;
  } catch {
    return false;
  }
}

/** An endpoint as compared for the credentials rule: its origin (scheme, lower-case host, port without the default). */
export function endpointOrigin(endpoint: string): string | undefined {
  try {
    const url = new URL(endpoint);
    return url.protocol === 'https:' || url.protocol === 'http:' ? url.origin : undefined;
  } catch {
    return undefined;
  }
}
