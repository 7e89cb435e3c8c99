// A GitHub emulator on 127.0.0.1 for the release endpoints: the REST API (with uploads at
// /uploads, as uploads.github.com) and the public download URLs /{owner}/{repo}/releases/download/.
// Every JSON response is validated against GitHub's official OpenAPI description (the subset in
// test/fixtures/github/openapi-subset.json, extracted from @octokit/openapi); a response that does
// not validate is recorded in `schemaErrors` (tests assert there are none). Immutable releases are
// emulated: once published, assets cannot be added, replaced or deleted. Faults can be injected.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { repoRoot } from './paths.js';

interface Asset {
  id: number;
  name: string;
  label: string | null;
  contentType: string;
  bytes: Buffer;
  created: string;
}

interface Release {
  id: number;
  tag: string;
  name: string;
  body: string;
  draft: boolean;
  prerelease: boolean;
  immutable: boolean;
  created: string;
  published: string | null;
  assets: Asset[];
}

interface Repository {
  owner: string;
  name: string;
  private: boolean;
  releases: Release[];
}

export interface Fault {
  method: string;
  path: RegExp;
  status: number;
  /** Cut the connection instead of answering. */
  reset?: boolean;
  /** Let this many matching requests through first. */
  skip?: number;
}

const subset = JSON.parse(readFileSync(join(repoRoot, 'test/fixtures/github/openapi-subset.json'), 'utf8')) as {
  source: string;
  operations: Record<string, { responses: Record<string, unknown> }>;
};
const ajv = new Ajv({ strict: false, allErrors: true });
(addFormats as unknown as (ajv: Ajv) => void)(ajv);
const validators = new Map<string, ValidateFunction>();

function validatorFor(operation: string, status: number): ValidateFunction | undefined {
  const key = `${operation} ${status}`;
  if (!validators.has(key)) {
    const schema = subset.operations[operation]?.responses[String(status)];
    if (schema) validators.set(key, ajv.compile(allowNull(schema)));
  }
  return validators.get(key);
}

/** OpenAPI 3.0 `nullable: true` as JSON Schema: the type also admits null. */
function allowNull(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(allowNull);
  if (!schema || typeof schema !== 'object') return schema;
  const copy = Object.fromEntries(Object.entries(schema).map(([k, v]) => [k, allowNull(v)])) as Record<string, unknown>;
  if (copy.nullable === true) {
    if (typeof copy.type === 'string') copy.type = [copy.type, 'null'];
    if (Array.isArray(copy.enum)) copy.enum = [...copy.enum, null];
    delete copy.nullable;
  }
  return copy;
}

const ROUTES: Array<[string, RegExp, string]> = [
  ['GET', /^\/repos\/([^/]+)\/([^/]+)\/releases$/, 'GET /repos/{owner}/{repo}/releases'],
  ['POST', /^\/repos\/([^/]+)\/([^/]+)\/releases$/, 'POST /repos/{owner}/{repo}/releases'],
  ['GET', /^\/repos\/([^/]+)\/([^/]+)\/releases\/tags\/([^/]+)$/, 'GET /repos/{owner}/{repo}/releases/tags/{tag}'],
  ['PATCH', /^\/repos\/([^/]+)\/([^/]+)\/releases\/(\d+)$/, 'PATCH /repos/{owner}/{repo}/releases/{release_id}'],
  ['GET', /^\/repos\/([^/]+)\/([^/]+)\/releases\/(\d+)\/assets$/, 'GET /repos/{owner}/{repo}/releases/{release_id}/assets'],
  ['POST', /^\/uploads\/repos\/([^/]+)\/([^/]+)\/releases\/(\d+)\/assets$/, 'POST /repos/{owner}/{repo}/releases/{release_id}/assets'],
  ['GET', /^\/repos\/([^/]+)\/([^/]+)\/releases\/assets\/(\d+)$/, 'GET /repos/{owner}/{repo}/releases/assets/{asset_id}'],
  ['PATCH', /^\/repos\/([^/]+)\/([^/]+)\/releases\/assets\/(\d+)$/, 'PATCH /repos/{owner}/{repo}/releases/assets/{asset_id}'],
  ['DELETE', /^\/repos\/([^/]+)\/([^/]+)\/releases\/assets\/(\d+)$/, 'DELETE /repos/{owner}/{repo}/releases/assets/{asset_id}'],
];

export class GithubEmulator {
  readonly repositories = new Map<string, Repository>();
  readonly schemaErrors: string[] = [];
  readonly faults: Fault[] = [];
  readonly requests: Array<{ method: string; path: string; status: number; authorization?: string }> = [];
  /** Bytes received by asset uploads. */
  uploadedBytes = 0;
  url = '';
  private nextId = 1000;
  private server = createServer((request, response) => void this.handle(request, response));

  constructor(readonly token: string) {}

  static source = subset.source;

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  stop(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  addRepository(fullName: string, options: { private?: boolean } = {}): Repository {
    const [owner, name] = fullName.split('/') as [string, string];
    const repository: Repository = { owner, name, private: Boolean(options.private), releases: [] };
    this.repositories.set(fullName, repository);
    return repository;
  }

  /** A published release with assets, as the @octokit/fixtures scenarios assume exists. */
  seedRelease(fullName: string, tag: string, options: { id?: number; name?: string; draft?: boolean; immutable?: boolean } = {}): Release {
    const release: Release = {
      id: options.id ?? this.nextId++,
      tag,
      name: options.name ?? tag,
      body: '',
      draft: Boolean(options.draft),
      prerelease: false,
      immutable: Boolean(options.immutable),
      created: new Date().toISOString(),
      published: options.draft ? null : new Date().toISOString(),
      assets: [],
    };
    this.repositories.get(fullName)!.releases.push(release);
    return release;
  }

  private user() {
    const base = `${this.url}/users/fctl-publisher`;
    return {
      login: 'fctl-publisher', id: 1, node_id: 'MDQ6VXNlcjE=', avatar_url: `${this.url}/avatars/1`, gravatar_id: '', url: base, html_url: `${this.url}/fctl-publisher`,
      followers_url: `${base}/followers`, following_url: `${base}/following{/other_user}`, gists_url: `${base}/gists{/gist_id}`, starred_url: `${base}/starred{/owner}{/repo}`,
      subscriptions_url: `${base}/subscriptions`, organizations_url: `${base}/orgs`, repos_url: `${base}/repos`, events_url: `${base}/events{/privacy}`,
      received_events_url: `${base}/received_events`, type: 'User', site_admin: false,
    };
  }

  private assetJson(repository: Repository, release: Release, asset: Asset) {
    const api = `${this.url}/repos/${repository.owner}/${repository.name}`;
    return {
      url: `${api}/releases/assets/${asset.id}`,
      browser_download_url: `${this.url}/${repository.owner}/${repository.name}/releases/download/${release.tag}/${encodeURIComponent(asset.name)}`,
      id: asset.id,
      node_id: Buffer.from(`ReleaseAsset${asset.id}`).toString('base64'),
      name: asset.name,
      label: asset.label,
      state: 'uploaded',
      content_type: asset.contentType,
      size: asset.bytes.length,
      digest: `sha256:${createHash('sha256').update(asset.bytes).digest('hex')}`,
      download_count: 0,
      created_at: asset.created,
      updated_at: asset.created,
      uploader: this.user(),
    };
  }

  private releaseJson(repository: Repository, release: Release) {
    const api = `${this.url}/repos/${repository.owner}/${repository.name}`;
    return {
      url: `${api}/releases/${release.id}`,
      html_url: `${this.url}/${repository.owner}/${repository.name}/releases/tag/${release.tag}`,
      assets_url: `${api}/releases/${release.id}/assets`,
      upload_url: `${this.url}/uploads/repos/${repository.owner}/${repository.name}/releases/${release.id}/assets{?name,label}`,
      tarball_url: `${api}/tarball/${release.tag}`,
      zipball_url: `${api}/zipball/${release.tag}`,
      id: release.id,
      node_id: Buffer.from(`Release${release.id}`).toString('base64'),
      tag_name: release.tag,
      target_commitish: 'main',
      name: release.name,
      body: release.body,
      draft: release.draft,
      prerelease: release.prerelease,
      immutable: release.immutable,
      created_at: release.created,
      published_at: release.published,
      author: this.user(),
      assets: release.assets.map((asset) => this.assetJson(repository, release, asset)),
    };
  }

  private sign(id: number): string {
    return createHash('sha256').update(`${this.token}:${id}`).digest('hex').slice(0, 16);
  }

  private authorized(request: IncomingMessage): boolean {
    const header = request.headers.authorization ?? '';
    return header === `token ${this.token}` || header === `Bearer ${this.token}`;
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', this.url);
    const method = request.method ?? 'GET';
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const record = (status: number) =>
      this.requests.push({ method, path: url.pathname, status, ...(request.headers.authorization ? { authorization: request.headers.authorization } : {}) });

    const fault = this.faults.findIndex((f) => f.method === method && f.path.test(url.pathname));
    if (fault >= 0 && (this.faults[fault]!.skip ?? 0) > 0) this.faults[fault]!.skip! -= 1;
    else if (fault >= 0) {
      const [taken] = this.faults.splice(fault, 1);
      record(taken!.status);
      if (taken!.reset) {
        request.socket.destroy();
        return;
      }
      this.send(response, undefined, taken!.status, { message: 'Server Error', documentation_url: 'https://docs.github.com/rest' });
      return;
    }

    const object = /^\/objects\/(\d+)$/.exec(url.pathname);
    if (object && method === 'GET') {
      const asset = [...this.repositories.values()].flatMap((r) => r.releases.flatMap((rel) => rel.assets)).find((a) => a.id === Number(object[1]));
      const valid = asset && url.searchParams.get('signature') === this.sign(asset.id) && !request.headers.authorization;
      record(valid ? 200 : 403);
      if (!valid) response.writeHead(403).end('Forbidden');
      else response.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(asset.bytes.length) }).end(asset.bytes);
      return;
    }
    const download = /^\/([^/]+)\/([^/]+)\/releases\/download\/([^/]+)\/([^/]+)$/.exec(url.pathname);
    if (download && method === 'GET') {
      const repository = this.repositories.get(`${download[1]}/${download[2]}`);
      const release = repository?.releases.find((r) => r.tag === decodeURIComponent(download[3]!) && !r.draft);
      const asset = release?.assets.find((a) => a.name === decodeURIComponent(download[4]!));
      const visible = repository && (!repository.private || this.authorized(request));
      record(asset && visible ? 200 : 404);
      if (!asset || !visible) response.writeHead(404).end('Not Found');
      else response.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(asset.bytes.length) }).end(asset.bytes);
      return;
    }

    for (const [routeMethod, pattern, operation] of ROUTES) {
      const match = pattern.exec(url.pathname);
      if (!match || routeMethod !== method) continue;
      const repository = this.repositories.get(`${match[1]}/${match[2]}`);
      const write = method !== 'GET';
      if (!repository || (repository.private && !this.authorized(request))) {
        record(404);
        return this.send(response, operation, 404, { message: 'Not Found', documentation_url: 'https://docs.github.com/rest', status: '404' });
      }
      if (write && !this.authorized(request)) {
        record(404);
        return this.send(response, operation, 404, { message: 'Not Found', documentation_url: 'https://docs.github.com/rest', status: '404' });
      }
      const [status, json, headers] = this.route(operation, repository, match, url, request, body);
      record(status);
      return this.send(response, operation, status, json, headers);
    }
    record(404);
    this.send(response, undefined, 404, { message: 'Not Found', documentation_url: 'https://docs.github.com/rest' });
  }

  private route(operation: string, repository: Repository, match: RegExpExecArray, url: URL, request: IncomingMessage, body: Buffer): [number, unknown, Record<string, string>?] {
    const json = () => (body.length ? (JSON.parse(body.toString('utf8')) as Record<string, unknown>) : {});
    const findRelease = (id: string) => repository.releases.find((r) => r.id === Number(id));
    const findAsset = (id: string) => {
      for (const release of repository.releases) {
        const asset = release.assets.find((a) => a.id === Number(id));
        if (asset) return { release, asset };
      }
      return undefined;
    };
    const notFound: [number, unknown] = [404, { message: 'Not Found', documentation_url: 'https://docs.github.com/rest', status: '404' }];
    const immutable = (release: Release) => release.immutable && !release.draft;
    const seesDrafts = this.authorized(request);
    switch (operation) {
      case 'GET /repos/{owner}/{repo}/releases':
        return [200, repository.releases.filter((r) => seesDrafts || !r.draft).map((r) => this.releaseJson(repository, r)).reverse()];
      case 'POST /repos/{owner}/{repo}/releases': {
        const input = json();
        if (repository.releases.some((r) => r.tag === input.tag_name)) {
          return [422, { message: 'Validation Failed', documentation_url: 'https://docs.github.com/rest', errors: [{ resource: 'Release', code: 'already_exists', field: 'tag_name' }] }];
        }
        const release = this.seedRelease(`${repository.owner}/${repository.name}`, String(input.tag_name), { draft: Boolean(input.draft) });
        release.name = String(input.name ?? input.tag_name);
        release.body = String(input.body ?? '');
        return [201, this.releaseJson(repository, release)];
      }
      case 'GET /repos/{owner}/{repo}/releases/tags/{tag}': {
        const release = repository.releases.find((r) => r.tag === decodeURIComponent(match[3]!) && !r.draft);
        return release ? [200, this.releaseJson(repository, release)] : notFound;
      }
      case 'PATCH /repos/{owner}/{repo}/releases/{release_id}': {
        const release = findRelease(match[3]!);
        if (!release) return notFound;
        const input = json();
        if (input.draft === false && release.draft) {
          release.draft = false;
          release.published = new Date().toISOString();
          release.immutable = true;
        }
        if (typeof input.name === 'string') release.name = input.name;
        return [200, this.releaseJson(repository, release)];
      }
      case 'GET /repos/{owner}/{repo}/releases/{release_id}/assets': {
        const release = findRelease(match[3]!);
        return release ? [200, release.assets.map((a) => this.assetJson(repository, release, a))] : [200, []];
      }
      case 'POST /repos/{owner}/{repo}/releases/{release_id}/assets': {
        const release = findRelease(match[3]!);
        const name = url.searchParams.get('name');
        if (!release || !name) return notFound;
        if (immutable(release)) return [422, { message: 'Cannot upload assets to an immutable release.', documentation_url: 'https://docs.github.com/rest' }];
        if (release.assets.some((a) => a.name === name)) {
          return [422, { message: 'Validation Failed', request_id: '0000:00000:0000000:0000000:00000000', documentation_url: 'https://docs.github.com/rest', errors: [{ resource: 'ReleaseAsset', code: 'already_exists', field: 'name' }] }];
        }
        const asset: Asset = { id: this.nextId++, name, label: url.searchParams.get('label'), contentType: String(request.headers['content-type'] ?? 'application/octet-stream'), bytes: body, created: new Date().toISOString() };
        this.uploadedBytes += body.length;
        release.assets.push(asset);
        return [201, this.assetJson(repository, release, asset)];
      }
      case 'GET /repos/{owner}/{repo}/releases/assets/{asset_id}': {
        const found = findAsset(match[3]!);
        if (!found) return notFound;
        if ((request.headers.accept ?? '').includes('application/octet-stream')) {
          // Like GitHub: a redirect to a short-lived signed storage URL on another origin, which
          // takes no token (a client that forwarded the Authorization header is refused there).
          return [302, undefined, { location: `${this.url.replace('127.0.0.1', 'localhost')}/objects/${found.asset.id}?signature=${this.sign(found.asset.id)}` }];
        }
        return [200, this.assetJson(repository, found.release, found.asset)];
      }
      case 'PATCH /repos/{owner}/{repo}/releases/assets/{asset_id}': {
        const found = findAsset(match[3]!);
        if (!found) return notFound;
        const input = json();
        if (typeof input.name === 'string') found.asset.name = input.name;
        if (typeof input.label === 'string') found.asset.label = input.label;
        return [200, this.assetJson(repository, found.release, found.asset)];
      }
      case 'DELETE /repos/{owner}/{repo}/releases/assets/{asset_id}': {
        const found = findAsset(match[3]!);
        if (!found) return notFound;
        if (immutable(found.release)) return [422, { message: 'Cannot delete assets of an immutable release.', documentation_url: 'https://docs.github.com/rest' }];
        found.release.assets = found.release.assets.filter((a) => a !== found.asset);
        return [204, undefined];
      }
    }
    return notFound;
  }

  private send(response: ServerResponse, operation: string | undefined, status: number, json: unknown, headers: Record<string, string> = {}): void {
    if (operation && json !== undefined) {
      const validate = validatorFor(operation, status);
      if (validate && !validate(json)) this.schemaErrors.push(`${operation} ${status}: ${ajv.errorsText(validate.errors)}`);
      if (!validate && status < 500 && subset.operations[operation] && !(String(status) in subset.operations[operation]!.responses)) {
        this.schemaErrors.push(`${operation} ${status}: GitHub's description has no such response`);
      }
    }
    if (json === undefined) {
      response.writeHead(status, headers).end();
      return;
    }
    const text = JSON.stringify(json);
    response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'x-github-media-type': 'github.v3; format=json', ...headers }).end(text);
  }
}
