// A GitHub emulator on 127.0.0.1 for the release endpoints: the REST API (with uploads at
// /uploads, as uploads.github.com) and the public download URLs /{owner}/{repo}/releases/download/.
// Every JSON response is validated against GitHub's official OpenAPI description (the subset in
// test/fixtures/github/openapi-subset.json, extracted from @octokit/openapi); a response that does
// not validate is recorded in `schemaErrors` (tests assert there are none). Immutable releases are
// emulated: once published, assets cannot be added, replaced or deleted. Faults can be injected.
// For registry pull requests it also keeps files on branches: refs, contents and pull requests.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Ajv, type AnySchema, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { repoRoot } from './paths.js';

interface Asset {
  id: number;
  name: string;
  label: string | null;
  contentType: string;
  bytes: Buffer;
  created: string;
  /** "open": an upload that did not finish (GitHub lists it, with the bytes it got). */
  state?: 'uploaded' | 'open';
  /** A size GitHub reports other than the bytes' (a listing that disagrees with its digest). */
  reportedSize?: number;
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

interface Branch {
  sha: string;
  files: Map<string, Buffer>;
}

interface PullRequest {
  number: number;
  title: string;
  body: string;
  head: string;
  base: string;
  created: string;
}

interface Repository {
  id: number;
  owner: string;
  name: string;
  private: boolean;
  releases: Release[];
  defaultBranch: string;
  branches: Map<string, Branch>;
  pulls: PullRequest[];
}

export interface Fault {
  method: string;
  path: RegExp;
  status: number;
  /** Cut the connection instead of answering. */
  reset?: boolean;
  /** Let this many matching requests through first. */
  skip?: number;
  /** Only the upload of this asset. */
  name?: string;
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
    if (schema) validators.set(key, ajv.compile(allowNull(schema) as AnySchema));
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
  ['GET', /^\/repos\/([^/]+)\/([^/]+)$/, 'GET /repos/{owner}/{repo}'],
  ['GET', /^\/repos\/([^/]+)\/([^/]+)\/git\/ref\/(.+)$/, 'GET /repos/{owner}/{repo}/git/ref/{ref}'],
  ['POST', /^\/repos\/([^/]+)\/([^/]+)\/git\/refs$/, 'POST /repos/{owner}/{repo}/git/refs'],
  ['GET', /^\/repos\/([^/]+)\/([^/]+)\/contents\/(.+)$/, 'GET /repos/{owner}/{repo}/contents/{path}'],
  ['PUT', /^\/repos\/([^/]+)\/([^/]+)\/contents\/(.+)$/, 'PUT /repos/{owner}/{repo}/contents/{path}'],
  ['GET', /^\/repos\/([^/]+)\/([^/]+)\/pulls$/, 'GET /repos/{owner}/{repo}/pulls'],
  ['POST', /^\/repos\/([^/]+)\/([^/]+)\/pulls$/, 'POST /repos/{owner}/{repo}/pulls'],
];

const gitBlobSha = (bytes: Buffer) => createHash('sha1').update(`blob ${bytes.length}\0`).update(bytes).digest('hex');

export class GithubEmulator {
  readonly repositories = new Map<string, Repository>();
  readonly schemaErrors: string[] = [];
  readonly faults: Fault[] = [];
  readonly requests: Array<{ method: string; path: string; status: number; authorization?: string; /** An upload's asset name. */ name?: string }> = [];
  /** Bytes received by asset uploads. */
  uploadedBytes = 0;
  url = '';
  private nextId = 1000;
  private commits = 0;
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

  addRepository(fullName: string, options: { private?: boolean; files?: Record<string, string>; defaultBranch?: string } = {}): Repository {
    const [owner, name] = fullName.split('/') as [string, string];
    const files = new Map(Object.entries(options.files ?? {}).map(([path, text]) => [path, Buffer.from(text)]));
    const repository: Repository = {
      id: this.repositories.size + 1, owner, name, private: Boolean(options.private), releases: [],
      defaultBranch: options.defaultBranch ?? 'main', branches: new Map([[options.defaultBranch ?? 'main', { sha: this.commitSha(), files }]]), pulls: [],
    };
    this.repositories.set(fullName, repository);
    return repository;
  }

  /** A file as it is on a branch of a repository, or undefined. */
  fileOn(fullName: string, branch: string, path: string): string | undefined {
    return this.repositories.get(fullName)?.branches.get(branch)?.files.get(path)?.toString('utf8');
  }

  private commitSha(): string {
    return createHash('sha1').update(`commit ${++this.commits}`).digest('hex');
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

  /** An asset in a release as a failed or foreign upload left it (a partial upload, a size that disagrees with the bytes). */
  seedAsset(release: Release, name: string, bytes: Buffer, options: { state?: 'uploaded' | 'open'; reportedSize?: number } = {}): Asset {
    const asset: Asset = { id: this.nextId++, name, label: null, contentType: 'application/octet-stream', bytes, created: new Date().toISOString(), ...options };
    release.assets.push(asset);
    return asset;
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
      state: asset.state ?? 'uploaded',
      content_type: asset.contentType,
      size: asset.reportedSize ?? asset.bytes.length,
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

  private repositoryJson(repository: Repository) {
    const api = `${this.url}/repos/${repository.owner}/${repository.name}`;
    const web = `${this.url}/${repository.owner}/${repository.name}`;
    const now = new Date().toISOString();
    return {
      id: repository.id, node_id: Buffer.from(`Repository${repository.id}`).toString('base64'), name: repository.name, full_name: `${repository.owner}/${repository.name}`,
      owner: this.user(), private: repository.private, html_url: web, description: null, fork: false, url: api,
      archive_url: `${api}/{archive_format}{/ref}`, assignees_url: `${api}/assignees{/user}`, blobs_url: `${api}/git/blobs{/sha}`, branches_url: `${api}/branches{/branch}`,
      collaborators_url: `${api}/collaborators{/collaborator}`, comments_url: `${api}/comments{/number}`, commits_url: `${api}/commits{/sha}`, compare_url: `${api}/compare/{base}...{head}`,
      contents_url: `${api}/contents/{+path}`, contributors_url: `${api}/contributors`, deployments_url: `${api}/deployments`, downloads_url: `${api}/downloads`, events_url: `${api}/events`,
      forks_url: `${api}/forks`, git_commits_url: `${api}/git/commits{/sha}`, git_refs_url: `${api}/git/refs{/sha}`, git_tags_url: `${api}/git/tags{/sha}`, hooks_url: `${api}/hooks`,
      issue_comment_url: `${api}/issues/comments{/number}`, issue_events_url: `${api}/issues/events{/number}`, issues_url: `${api}/issues{/number}`, keys_url: `${api}/keys{/key_id}`,
      labels_url: `${api}/labels{/name}`, languages_url: `${api}/languages`, merges_url: `${api}/merges`, milestones_url: `${api}/milestones{/number}`,
      notifications_url: `${api}/notifications{?since,all,participating}`, pulls_url: `${api}/pulls{/number}`, releases_url: `${api}/releases{/id}`, stargazers_url: `${api}/stargazers`,
      statuses_url: `${api}/statuses/{sha}`, subscribers_url: `${api}/subscribers`, subscription_url: `${api}/subscription`, tags_url: `${api}/tags`, teams_url: `${api}/teams`,
      trees_url: `${api}/git/trees{/sha}`, clone_url: `${web}.git`, git_url: `${web.replace(/^http/, 'git')}.git`, ssh_url: `git@127.0.0.1:${repository.owner}/${repository.name}.git`, svn_url: web,
      mirror_url: null, homepage: null, language: null, default_branch: repository.defaultBranch, forks: 0, forks_count: 0, stargazers_count: 0, watchers: 0, watchers_count: 0,
      open_issues: 0, open_issues_count: 0, size: 1, has_downloads: true, has_issues: true, has_projects: false, has_wiki: false, has_pages: false, archived: false, disabled: false,
      license: null, pushed_at: now, created_at: now, updated_at: now,
    };
  }

  private refJson(repository: Repository, branch: string) {
    const api = `${this.url}/repos/${repository.owner}/${repository.name}`;
    const sha = repository.branches.get(branch)!.sha;
    return { ref: `refs/heads/${branch}`, node_id: Buffer.from(`Ref${branch}`).toString('base64'), url: `${api}/git/refs/heads/${branch}`, object: { type: 'commit', sha, url: `${api}/git/commits/${sha}` } };
  }

  private contentJson(repository: Repository, branch: string, path: string, bytes: Buffer, withContent: boolean) {
    const api = `${this.url}/repos/${repository.owner}/${repository.name}`;
    const sha = gitBlobSha(bytes);
    const links = { self: `${api}/contents/${path}?ref=${branch}`, git: `${api}/git/blobs/${sha}`, html: `${this.url}/${repository.owner}/${repository.name}/blob/${branch}/${path}` };
    return {
      type: 'file', name: path.split('/').pop()!, path, sha, size: bytes.length, url: links.self, git_url: links.git, html_url: links.html,
      download_url: `${this.url}/raw/${repository.owner}/${repository.name}/${branch}/${path}`, _links: links,
      ...(withContent ? { encoding: 'base64', content: bytes.toString('base64') } : {}),
    };
  }

  private pullJson(repository: Repository, pull: PullRequest, full: boolean) {
    const api = `${this.url}/repos/${repository.owner}/${repository.name}`;
    const html = `${this.url}/${repository.owner}/${repository.name}/pull/${pull.number}`;
    const end = (branch: string) => ({ label: `${repository.owner}:${branch}`, ref: branch, sha: repository.branches.get(branch)?.sha ?? '0'.repeat(40), user: this.user(), repo: this.repositoryJson(repository) });
    const href = (value: string) => ({ href: value });
    return {
      url: `${api}/pulls/${pull.number}`, id: pull.number + 500_000, node_id: Buffer.from(`PullRequest${pull.number}`).toString('base64'), html_url: html,
      diff_url: `${html}.diff`, patch_url: `${html}.patch`, issue_url: `${api}/issues/${pull.number}`, commits_url: `${api}/pulls/${pull.number}/commits`,
      review_comments_url: `${api}/pulls/${pull.number}/comments`, review_comment_url: `${api}/pulls/comments{/number}`, comments_url: `${api}/issues/${pull.number}/comments`,
      statuses_url: `${api}/statuses/${repository.branches.get(pull.head)?.sha ?? ''}`, number: pull.number, state: 'open', locked: false, title: pull.title, user: this.user(),
      body: pull.body, labels: [], milestone: null, active_lock_reason: null, created_at: pull.created, updated_at: pull.created, closed_at: null, merged_at: null,
      merge_commit_sha: null, assignee: null, assignees: [], requested_reviewers: [], requested_teams: [], head: end(pull.head), base: end(pull.base),
      _links: { self: href(`${api}/pulls/${pull.number}`), html: href(html), issue: href(`${api}/issues/${pull.number}`), comments: href(`${api}/issues/${pull.number}/comments`),
        review_comments: href(`${api}/pulls/${pull.number}/comments`), review_comment: href(`${api}/pulls/comments{/number}`), commits: href(`${api}/pulls/${pull.number}/commits`),
        statuses: href(`${api}/statuses/${repository.branches.get(pull.head)?.sha ?? ''}`) },
      author_association: 'MEMBER', auto_merge: null, draft: false,
      ...(full ? { merged: false, mergeable: true, rebaseable: true, mergeable_state: 'clean', merged_by: null, comments: 0, review_comments: 0, maintainer_can_modify: false, commits: 1, additions: 1, deletions: 0, changed_files: 1 } : {}),
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
      this.requests.push({
        method, path: url.pathname, status,
        ...(request.headers.authorization ? { authorization: request.headers.authorization } : {}),
        ...(url.pathname.startsWith('/uploads/') && url.searchParams.has('name') ? { name: url.searchParams.get('name')! } : {}),
      });

    const fault = this.faults.findIndex((f) => f.method === method && f.path.test(url.pathname) && (f.name === undefined || f.name === url.searchParams.get('name')));
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
      case 'GET /repos/{owner}/{repo}':
        return [200, { ...this.repositoryJson(repository), has_discussions: false, network_count: 0, subscribers_count: 0 }];
      case 'GET /repos/{owner}/{repo}/git/ref/{ref}': {
        const branch = /^heads\/(.+)$/.exec(decodeURIComponent(match[3]!))?.[1];
        return branch && repository.branches.has(branch) ? [200, this.refJson(repository, branch)] : notFound;
      }
      case 'POST /repos/{owner}/{repo}/git/refs': {
        const input = json();
        const branch = /^refs\/heads\/(.+)$/.exec(String(input.ref ?? ''))?.[1];
        const from = [...repository.branches.values()].find((b) => b.sha === input.sha);
        if (!branch || !from) return [422, { message: 'Invalid request.', documentation_url: 'https://docs.github.com/rest' }];
        if (repository.branches.has(branch)) return [422, { message: 'Reference already exists', documentation_url: 'https://docs.github.com/rest' }];
        repository.branches.set(branch, { sha: from.sha, files: new Map(from.files) });
        return [201, this.refJson(repository, branch)];
      }
      case 'GET /repos/{owner}/{repo}/contents/{path}': {
        const branch = url.searchParams.get('ref') ?? repository.defaultBranch;
        const path = decodeURIComponent(match[3]!);
        const bytes = repository.branches.get(branch)?.files.get(path);
        return bytes ? [200, this.contentJson(repository, branch, path, bytes, true)] : notFound;
      }
      case 'PUT /repos/{owner}/{repo}/contents/{path}': {
        const input = json();
        const branchName = String(input.branch ?? repository.defaultBranch);
        const branch = repository.branches.get(branchName);
        const path = decodeURIComponent(match[3]!);
        if (!branch || typeof input.content !== 'string' || typeof input.message !== 'string') return [422, { message: 'Invalid request.', documentation_url: 'https://docs.github.com/rest' }];
        const existing = branch.files.get(path);
        if (existing && input.sha === undefined) return [422, { message: 'Invalid request.\n\n"sha" wasn\'t supplied.', documentation_url: 'https://docs.github.com/rest' }];
        if (existing && input.sha !== gitBlobSha(existing)) return [409, { message: `${path} does not match ${String(input.sha)}`, documentation_url: 'https://docs.github.com/rest' }];
        const bytes = Buffer.from(input.content, 'base64');
        branch.files.set(path, bytes);
        branch.sha = this.commitSha();
        const api = `${this.url}/repos/${repository.owner}/${repository.name}`;
        const person = { name: 'fctl-publisher', email: 'fctl-publisher@users.noreply.github.com', date: new Date().toISOString() };
        const commit = {
          sha: branch.sha, node_id: Buffer.from(`Commit${branch.sha}`).toString('base64'), url: `${api}/git/commits/${branch.sha}`, html_url: `${this.url}/${repository.owner}/${repository.name}/commit/${branch.sha}`,
          author: person, committer: person, message: input.message, tree: { url: `${api}/git/trees/${branch.sha}`, sha: branch.sha }, parents: [],
          verification: { verified: false, reason: 'unsigned', signature: null, payload: null, verified_at: null },
        };
        return [existing ? 200 : 201, { content: this.contentJson(repository, branchName, path, bytes, false), commit }];
      }
      case 'GET /repos/{owner}/{repo}/pulls': {
        const head = url.searchParams.get('head');
        const state = url.searchParams.get('state') ?? 'open';
        const pulls = repository.pulls.filter((p) => (state === 'closed' ? false : true) && (!head || `${repository.owner}:${p.head}` === head));
        return [200, pulls.map((p) => this.pullJson(repository, p, false)).reverse()];
      }
      case 'POST /repos/{owner}/{repo}/pulls': {
        const input = json();
        const head = String(input.head ?? '').replace(/^[^:]+:/, '');
        const base = String(input.base ?? '');
        if (!repository.branches.has(head) || !repository.branches.has(base) || typeof input.title !== 'string') {
          return [422, { message: 'Validation Failed', documentation_url: 'https://docs.github.com/rest', errors: [{ resource: 'PullRequest', code: 'invalid', field: 'head' }] }];
        }
        if (repository.pulls.some((p) => p.head === head && p.base === base)) {
          return [422, { message: 'Validation Failed', documentation_url: 'https://docs.github.com/rest', errors: [{ resource: 'PullRequest', code: 'custom', message: `A pull request already exists for ${repository.owner}:${head}.` }] }];
        }
        const pull: PullRequest = { number: repository.pulls.length + 1, title: input.title, body: String(input.body ?? ''), head, base, created: new Date().toISOString() };
        repository.pulls.push(pull);
        return [201, this.pullJson(repository, pull, true)];
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
