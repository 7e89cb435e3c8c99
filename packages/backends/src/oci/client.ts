// A client for the OCI distribution spec, on the HTTP layer: the handful of calls publishing and
// pulling need, with anonymous, basic and bearer-token (challenge) authentication. Credentials go
// only to the registry (and the basic ones to the token service it names), never past a redirect
// to another origin (blob storage); they never appear in errors: messages name the registry and
// the path only. Every call is bounded by the layer's timeouts; GETs, HEADs and the manifest PUT
// are retried on transient failures, the upload steps are not.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { HttpRequestError, request, requestBuffered, type HttpResponse, type RequestBody } from '@fctl-kit/http';
import { networkReason } from '../http.js';
import { PublishError } from '../publish.js';
import type { BasicCredentials } from './credentials.js';
import type { OciRepository } from './reference.js';

export const MANIFEST_TYPE = 'application/vnd.oci.image.manifest.v1+json';
export const INDEX_TYPE = 'application/vnd.oci.image.index.v1+json';

const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;

export class OciError extends PublishError {
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

interface Challenge {
  scheme: string;
  params: Record<string, string>;
}

function parseChallenge(header: string | null): Challenge | undefined {
  if (!header) return undefined;
  const [scheme, ...rest] = header.split(' ');
  const params: Record<string, string> = {};
  for (const match of rest.join(' ').matchAll(/(\w+)="([^"]*)"/g)) params[match[1]!.toLowerCase()] = match[2]!;
  return { scheme: scheme!.toLowerCase(), params };
}

export class OciClient {
  private authorization: string | undefined;

  constructor(
    readonly repository: OciRepository,
    private readonly credentials: BasicCredentials | undefined,
  ) {}

  private basic(): string | undefined {
    return this.credentials ? `Basic ${Buffer.from(`${this.credentials.username}:${this.credentials.password}`).toString('base64')}` : undefined;
  }

  private url(path: string): URL {
    return new URL(`/v2/${this.repository.repository}/${path}`, this.repository.base);
  }

  private async token(challenge: Challenge, signal?: AbortSignal): Promise<string> {
    const realm = challenge.params.realm;
    if (!realm) throw new OciError(`${this.repository.host} asked for a bearer token without a realm`);
    const url = new URL(realm);
    if (challenge.params.service) url.searchParams.set('service', challenge.params.service);
    if (challenge.params.scope) url.searchParams.set('scope', challenge.params.scope);
    const basic = this.basic();
    const response = await requestBuffered(url, { ...(basic ? { credentials: { headers: { authorization: basic } } } : {}), ...(signal ? { signal } : {}), maxBytes: 1024 * 1024 }).catch((error: unknown) => {
      if (signal?.aborted) throw signal.reason;
      throw new OciError(`cannot reach the token service of ${this.repository.host}: ${networkReason(error)}`);
    });
    if (response.status < 200 || response.status >= 300) throw new OciError(`the token service of ${this.repository.host} answered ${response.status} ${response.statusText}`, response.status);
    let body: { token?: string; access_token?: string };
    try {
      body = response.json();
    } catch {
      throw new OciError(`the token service of ${this.repository.host} answered with something that is not JSON`);
    }
    const token = body.token ?? body.access_token;
    if (!token) throw new OciError(`the token service of ${this.repository.host} returned no token`);
    return token;
  }

  /** One request, authenticating once on a 401 challenge. */
  async request(method: string, target: URL | string, init: { headers?: Record<string, string>; body?: RequestBody; signal?: AbortSignal; idempotent?: boolean } = {}): Promise<HttpResponse> {
    const url = typeof target === 'string' ? this.url(target) : target;
    const send = () =>
      request(url, {
        method,
        ...(init.headers ? { headers: init.headers } : {}),
        ...(this.authorization ? { credentials: { headers: { authorization: this.authorization }, origins: [new URL(this.repository.base).origin] } } : {}),
        ...(init.body ? { body: init.body } : {}),
        ...(init.signal ? { signal: init.signal } : {}),
        ...(init.idempotent ? { idempotent: true } : {}),
      }).catch((error: unknown) => {
        if (init.signal?.aborted) throw init.signal.reason;
        throw new OciError(error instanceof HttpRequestError && error.kind !== 'connect' ? error.message : `cannot reach ${this.repository.host}: ${networkReason(error)}`);
      });
    let response = await send();
    if (response.status !== 401) return response;
    await response.discard();
    const challenge = parseChallenge(response.headers.get('www-authenticate'));
    if (challenge?.scheme === 'basic' && this.credentials) {
      this.authorization = this.basic();
    } else if (challenge?.scheme === 'bearer') {
      this.authorization = `Bearer ${await this.token(challenge, init.signal)}`;
    } else {
      throw new OciError(`${this.repository.host} requires authentication${this.credentials ? ', and refused the credentials' : ': add credentials to your Docker config.json (docker login)'}`, 401);
    }
    response = await send();
    if (response.status === 401 || response.status === 403) {
      await response.discard();
      throw new OciError(`${this.repository.host} refused the credentials for ${this.repository.repository} (${response.status})`, response.status);
    }
    return response;
  }

  private async fail(response: HttpResponse, what: string): Promise<never> {
    const body = (await this.read(response, 64 * 1024, 'the error').catch(() => Buffer.alloc(0))).toString('utf8');
    const detail = /"message":"([^"]+)"/.exec(body)?.[1];
    throw new OciError(`${what}: ${this.repository.host} answered ${response.status}${detail ? ` (${detail})` : ''}`, response.status);
  }

  async blobExists(digest: string): Promise<boolean> {
    const response = await this.request('HEAD', `blobs/${digest}`);
    await response.discard();
    if (response.status === 200) return true;
    if (response.status === 404) return false;
    return this.fail(response, `checking blob ${digest}`);
  }

  /** POST then PUT with the whole blob (the monolithic upload every registry supports). */
  async pushBlob(digest: string, size: number, source: { path: string } | { bytes: Buffer }): Promise<void> {
    const start = await this.request('POST', 'blobs/uploads/');
    if (start.status !== 202) return this.fail(start, 'starting a blob upload');
    await start.discard();
    const location = start.headers.get('location');
    if (!location) throw new OciError(`${this.repository.host} started an upload without a Location`);
    const url = new URL(location, this.repository.base);
    url.searchParams.set('digest', digest);
    const body = () => ('bytes' in source ? source.bytes : createReadStream(source.path));
    const put = await this.request('PUT', url, { headers: { 'content-type': 'application/octet-stream', 'content-length': String(size) }, body });
    if (put.status !== 201) return this.fail(put, `uploading blob ${digest}`);
    await put.discard();
  }

  async getManifest(reference: string, signal?: AbortSignal): Promise<{ bytes: Buffer; digest: string; mediaType: string } | undefined> {
    const response = await this.request('GET', `manifests/${reference}`, { headers: { accept: `${MANIFEST_TYPE}, ${INDEX_TYPE}` }, signal });
    if (response.status === 404) {
      await response.discard();
      return undefined;
    }
    if (response.status !== 200) return this.fail(response, `reading manifest ${reference}`);
    const bytes = await this.read(response, MAX_MANIFEST_BYTES, `the manifest ${reference}`);
    const digest = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
    const announced = response.headers.get('docker-content-digest');
    if (announced && announced !== digest) throw new OciError(`the manifest ${reference} has digest ${digest}, but ${this.repository.host} announced ${announced}`);
    return { bytes, digest, mediaType: response.headers.get('content-type') ?? '' };
  }

  async putManifest(reference: string, bytes: Buffer, mediaType: string): Promise<string> {
    const response = await this.request('PUT', `manifests/${reference}`, { headers: { 'content-type': mediaType }, body: bytes, idempotent: true });
    if (response.status !== 201) return this.fail(response, `pushing manifest ${reference}`);
    await response.discard();
    return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
  }

  async getBlob(digest: string, signal?: AbortSignal): Promise<HttpResponse> {
    const response = await this.request('GET', `blobs/${digest}`, { ...(signal ? { signal } : {}) });
    if (response.status !== 200) return this.fail(response, `reading blob ${digest}`);
    return response;
  }

  /** A whole (small) response body, bounded; its failures as OciErrors. */
  private async read(response: HttpResponse, maxBytes: number, what: string): Promise<Buffer> {
    const length = Number(response.headers.get('content-length') ?? 0);
    if (length > maxBytes) {
      await response.discard();
      throw new OciError(`${what} is larger than ${maxBytes / 1024 / 1024} MiB`);
    }
    const chunks: Buffer[] = [];
    let size = 0;
    try {
      for await (const chunk of response.body) {
        size += chunk.byteLength;
        if (size > maxBytes) throw new OciError(`${what} is larger than ${maxBytes / 1024 / 1024} MiB`);
        chunks.push(Buffer.from(chunk));
      }
    } catch (error) {
      if (error instanceof HttpRequestError) throw new OciError(`reading ${what}: ${error.message}`);
      throw error;
    } finally {
      await response.discard();
    }
    return Buffer.concat(chunks);
  }
}
