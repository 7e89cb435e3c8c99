// Where an object of a bucket is over HTTP: the endpoint (AWS's for the region, or one named by the
// config, the user's AWS settings or a registry source), path-style (https://host/bucket/key) or
// virtual-hosted (https://bucket.host/key) addressing, and the key layout
// <prefix>/<name>/<version>/<file>.
import { isLoopbackHost } from '@fctl-kit/http';
import type { Addressing } from './names.js';

export interface S3Target {
  bucket: string;
  prefix?: string;
  region: string;
  /** An origin; absent for AWS itself (https://s3.<region>.amazonaws.com). */
  endpoint?: string;
  addressing: Addressing;
}

export const DEFAULT_REGION = 'us-east-1';
export const awsEndpoint = (region: string) => `https://s3.${region}.amazonaws.com`;

/**
 * AWS: virtual-hosted (what AWS recommends), except for bucket names with "." (they break the
 * certificate of *.s3.<region>.amazonaws.com). Any other endpoint: path-style, which every
 * S3-compatible server accepts (MinIO, Ceph, moto, LocalStack...).
 */
export function defaultAddressing(bucket: string, endpoint: string | undefined): Addressing {
  return endpoint || bucket.includes('.') ? 'path' : 'virtual';
}

/** The key of a release file: <prefix>/<name>/<version>/<file>. */
export function keyOf(target: Pick<S3Target, 'prefix'>, name: string, version: string, file: string): string {
  return [target.prefix, name, version, file].filter(Boolean).join('/');
}

/** RFC 3986 encoding of one key segment, as SigV4 canonicalises it. */
const encodeSegment = (segment: string) => encodeURIComponent(segment).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

const isIpHost = (hostname: string) => /^\d{1,3}(\.\d{1,3}){3}$/.test(hostname) || hostname.startsWith('[');

/** Why virtual-hosted addressing cannot reach this endpoint, or undefined. */
export function addressingProblem(target: S3Target): string | undefined {
  if (target.addressing !== 'virtual') return undefined;
  const base = new URL(target.endpoint ?? awsEndpoint(target.region));
  if (isIpHost(base.hostname)) return `virtual-hosted addressing needs a host name, and the endpoint ${base.origin} is an IP address: use addressing "path"`;
  return undefined;
}

export interface ObjectUrl {
  url: URL;
  /**
   * Virtual-hosted on http://localhost:PORT is http://<bucket>.localhost:PORT, a name RFC 6761
   * keeps on this machine: allowed over plain http like localhost itself.
   */
  plainHttpOrigin?: string;
}

export function objectUrl(target: S3Target, key: string): ObjectUrl {
  const base = new URL(target.endpoint ?? awsEndpoint(target.region));
  const path = key.split('/').map(encodeSegment).join('/');
  if (target.addressing === 'path') return { url: new URL(`${base.origin}/${target.bucket}/${path}`) };
  const url = new URL(`${base.protocol}//${target.bucket}.${base.host}/${path}`);
  return { url, ...(url.protocol === 'http:' && isLoopbackHost(base.hostname) && base.hostname === 'localhost' ? { plainHttpOrigin: url.origin } : {}) };
}

/** s3://bucket/key, with the endpoint when it is not AWS: for messages. */
export function displayObject(target: S3Target, key: string): string {
  return `s3://${target.bucket}/${key}${target.endpoint ? ` (at ${target.endpoint})` : ''}`;
}
