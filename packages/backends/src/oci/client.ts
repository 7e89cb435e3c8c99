// A client for the OCI distribution spec, on fetch: the handful of calls publishing and pulling
// need, with anonymous, basic and bearer-token (challenge) authentication. Credentials and tokens
// never appear in errors: messages name the registry and the path only.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { networkReason } from '../http.js';
import { PublishError } from '../publish.js';
import type { BasicCredentials } from './credentials.js';
import type { OciRepository } from './reference.js';

export const MANIFEST_TYPE = 'application/vnd.oci.image.manifest.v1+json';
export const INDEX_TYPE = 'application/vnd.oci.image.index.v1+json';

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
    const response = await fetch(url, { headers: basic ? { authorization: basic } : {}, signal }).catch((error: unknown) => {
      throw new OciError(`cannot reach the token service of ${this.repository.host}: ${networkReason(error)}`);
    });
    if (!response.ok) throw new OciError(`the token service of ${this.repository.host} answered ${response.status} ${response.statusText}`, response.status);
    const body = (await response.json()) as { token?: string; access_token?: string };
    const token = body.token ?? body.access_token;
    if (!token) throw new OciError(`the token service of ${this.repository.host} returned no token`);
    return token;
  }

  /** One request, authenticating once on a 401 challenge. */
  async request(method: string, target: URL | string, init: { headers?: Record<string, string>; body?: () => RequestInit['body']; signal?: AbortSignal } = {}): Promise<Response> {
    const url = typeof target === 'string' ? this.url(target) : target;
    const send = () =>
      fetch(url, {
        method,
        headers: { ...init.headers, ...(this.authorization ? { authorization: this.authorization } : {}) },
        ...(init.body ? { body: init.body(), duplex: 'half' } : {}),
        signal: init.signal,
        redirect: 'follow',
      } as RequestInit).catch((error: unknown) => {
        if (init.signal?.aborted) throw init.signal.reason;
        throw new OciError(`cannot reach ${this.repository.host}: ${networkReason(error)}`);
      });
    let response = await send();
    if (response.status !== 401) return response;
    await response.body?.cancel().catch(() => {});
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
      await response.body?.cancel().catch(() => {});
      throw new OciError(`${this.repository.host} refused the credentials for ${this.repository.repository} (${response.status})`, response.status);
    }
    return response;
  }

  private async fail(response: Response, what: string): Promise<never> {
    const body = await response.text().catch(() => '');
    const detail = /"message":"([^"]+)"/.exec(body)?.[1];
    throw new OciError(`${what}: ${this.repository.host} answered ${response.status}${detail ? ` (${detail})` : ''}`, response.status);
  }

  async blobExists(digest: string): Promise<boolean> {
    const response = await this.request('HEAD', `blobs/${digest}`);
    if (response.status === 200) return true;
    if (response.status === 404) return false;
    return this.fail(response, `checking blob ${digest}`);
  }

  /** POST then PUT with the whole blob (the monolithic upload every registry supports). */
  async pushBlob(digest: string, size: number, source: { path: string } | { bytes: Buffer }): Promise<void> {
    const start = await this.request('POST', 'blobs/uploads/');
    if (start.status !== 202) return this.fail(start, 'starting a blob upload');
    await start.body?.cancel().catch(() => {});
    const location = start.headers.get('location');
    if (!location) throw new OciError(`${this.repository.host} started an upload without a Location`);
    const url = new URL(location, this.repository.base);
    url.searchParams.set('digest', digest);
    const body = () => ('bytes' in source ? source.bytes : (createReadStream(source.path) as unknown as RequestInit['body']));
    const put = await this.request('PUT', url, { headers: { 'content-type': 'application/octet-stream', 'content-length': String(size) }, body });
    if (put.status !== 201) return this.fail(put, `uploading blob ${digest}`);
    await put.body?.cancel().catch(() => {});
  }

  async getManifest(reference: string, signal?: AbortSignal): Promise<{ bytes: Buffer; digest: string; mediaType: string } | undefined> {
    const response = await this.request('GET', `manifests/${reference}`, { headers: { accept: `${MANIFEST_TYPE}, ${INDEX_TYPE}` }, signal });
    if (response.status === 404) {
      await response.body?.cancel().catch(() => {});
      return undefined;
    }
    if (!response.ok) return this.fail(response, `reading manifest ${reference}`);
    const bytes = Buffer.from(await response.arrayBuffer());
    if (bytes.length > 4 * 1024 * 1024) throw new OciError(`the manifest ${reference} is larger than 4 MiB`);
    const digest = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
    const announced = response.headers.get('docker-content-digest');
    if (announced && announced !== digest) throw new OciError(`the manifest ${reference} has digest ${digest}, but ${this.repository.host} announced ${announced}`);
    return { bytes, digest, mediaType: response.headers.get('content-type') ?? '' };
  }

  async putManifest(reference: string, bytes: Buffer, mediaType: string): Promise<string> {
    const response = await this.request('PUT', `manifests/${reference}`, { headers: { 'content-type': mediaType }, body: () => bytes });
    if (response.status !== 201) return this.fail(response, `pushing manifest ${reference}`);
    await response.body?.cancel().catch(() => {});
    return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
  }

  async getBlob(digest: string, signal?: AbortSignal): Promise<Response> {
    const response = await this.request('GET', `blobs/${digest}`, { signal });
    if (!response.ok || !response.body) return this.fail(response, `reading blob ${digest}`);
    return response;
  }
}
