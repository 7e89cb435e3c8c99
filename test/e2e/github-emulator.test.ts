// The GitHub emulator itself: it replays @octokit/fixtures' release-assets and
// release-assets-conflict scenarios (recorded against the real api.github.com) with the same status
// codes and the same asset fields, and every response it gives validates against GitHub's OpenAPI
// description.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { GithubEmulator } from '../support/github-emulator.js';

interface Recorded {
  scope: string;
  method: string;
  path: string;
  body?: unknown;
  status: number;
  response: unknown;
  reqheaders: Record<string, string | number>;
}

const fixturesDir = join(dirname(createRequire(import.meta.url).resolve('@octokit/fixtures/package.json')), 'scenarios', 'api.github.com');
const load = (scenario: string) => JSON.parse(readFileSync(join(fixturesDir, scenario, 'normalized-fixture.json'), 'utf8')) as Recorded[];
const token = '0000000000000000000000000000000000000001';
let emulator: GithubEmulator | undefined;
afterEach(async () => {
  await emulator?.stop();
  emulator = undefined;
});

async function replay(recorded: Recorded[]): Promise<void> {
  for (const step of recorded) {
    const url = `${emulator!.url}${step.scope.includes('uploads.github.com') ? '/uploads' : ''}${step.path}`;
    const headers = Object.fromEntries(Object.entries(step.reqheaders).filter(([name]) => !['host', 'content-length'].includes(name)).map(([k, v]) => [k, String(v)]));
    const method = step.method.toUpperCase();
    const body = step.body === undefined || method === 'GET' || method === 'HEAD' ? undefined : typeof step.body === 'string' ? step.body : JSON.stringify(step.body);
    const response = await fetch(url, { method, headers, body });
    expect(response.status, `${step.method} ${step.path}`).toBe(step.status);
    const text = await response.text();
    if (!text || typeof step.response !== 'object' || step.response === null) continue;
    const got = JSON.parse(text) as unknown;
    const pick = (value: unknown) => {
      const fields = ['id', 'name', 'label', 'state', 'size', 'content_type', 'tag_name', 'message'];
      const one = (item: Record<string, unknown>) => Object.fromEntries(fields.filter((f) => f in item).map((f) => [f, item[f]]));
      return Array.isArray(value) ? value.map(one) : one(value as Record<string, unknown>);
    };
    expect(pick(got), `${step.method} ${step.path}`).toEqual(pick(step.response));
  }
}

describe('the GitHub emulator', () => {
  it(`replays @octokit/fixtures release-assets, validated against ${GithubEmulator.source}`, async () => {
    emulator = await new GithubEmulator(token).start();
    emulator.addRepository('octokit-fixture-org/release-assets');
    emulator.seedRelease('octokit-fixture-org/release-assets', 'v1.0.0', { id: 1000, name: 'Version 1.0.0' });
    await replay(load('release-assets'));
    expect(emulator.schemaErrors).toEqual([]);
  });

  it('replays @octokit/fixtures release-assets-conflict (an upload over an existing name is 422)', async () => {
    emulator = await new GithubEmulator(token).start();
    emulator.addRepository('octokit-fixture-org/release-assets-conflict');
    const release = emulator.seedRelease('octokit-fixture-org/release-assets-conflict', 'v1.0.0', { id: 1000, name: 'Version 1.0.0' });
    const seeded = await fetch(`${emulator.url}/uploads/repos/octokit-fixture-org/release-assets-conflict/releases/${release.id}/assets?name=test-upload.txt&label=test`, {
      method: 'POST',
      headers: { authorization: `token ${token}`, 'content-type': 'text/plain' },
      body: 'Hello, world!\n',
    });
    expect(seeded.status).toBe(201);
    await replay(load('release-assets-conflict'));
    expect(emulator.schemaErrors).toEqual([]);
  });

  it('lists a seeded partial upload and a disagreeing size as GitHub describes assets; a fault can target one upload by name', async () => {
    emulator = await new GithubEmulator(token).start();
    emulator.addRepository('acme/ledger');
    const release = emulator.seedRelease('acme/ledger', 'v3.2.0', { draft: true });
    emulator.seedAsset(release, 'partial', Buffer.from('half'), { state: 'open' });
    emulator.seedAsset(release, 'sized', Buffer.from('four'), { reportedSize: 5 });
    const headers = { authorization: `token ${token}` };
    const listed = (await (await fetch(`${emulator.url}/repos/acme/ledger/releases/${release.id}/assets`, { headers })).json()) as Array<{ name: string; state: string; size: number }>;
    expect(listed.map((a) => [a.name, a.state, a.size])).toEqual([['partial', 'open', 4], ['sized', 'uploaded', 5]]);
    emulator.faults.push({ method: 'POST', path: /\/assets$/, status: 500, name: 'b' });
    const upload = (name: string) => fetch(`${emulator!.url}/uploads/repos/acme/ledger/releases/${release.id}/assets?name=${name}`, { method: 'POST', headers, body: name });
    expect([(await upload('a')).status, (await upload('b')).status, (await upload('b')).status]).toEqual([201, 500, 201]);
    expect(emulator.requests.filter((r) => r.method === 'POST').map((r) => r.name)).toEqual(['a', 'b', 'b']);
    expect(emulator.schemaErrors).toEqual([]);
  });

  it('refuses to change an immutable published release, as GitHub does', async () => {
    emulator = await new GithubEmulator(token).start();
    emulator.addRepository('acme/ledger');
    const release = emulator.seedRelease('acme/ledger', 'v3.2.0', { immutable: true });
    const upload = await fetch(`${emulator.url}/uploads/repos/acme/ledger/releases/${release.id}/assets?name=x`, { method: 'POST', headers: { authorization: `token ${token}` }, body: 'x' });
    expect(upload.status).toBe(422);
    expect(await upload.json()).toMatchObject({ message: 'Cannot upload assets to an immutable release.' });
    expect(emulator.schemaErrors).toEqual([]);
  });
});
