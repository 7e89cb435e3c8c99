// Docker credential helpers as real processes: small docker-credential-* scripts in a temporary
// PATH directory, a Docker config.json naming them. Docker's order (credHelpers for the registry >
// credsStore > auths), Docker Hub's key, what the helper is given (the server URL on stdin, a
// minimal environment), and each way a helper fails: not found, missing, hanging, too much output,
// not JSON, an error with a token on stderr (never shown), an identity token.
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { CredentialHelperError, credentialsFor, DOCKER_HUB_KEY } from '../src/oci/credentials.js';

const SECRET = 'helper-secret-that-must-never-be-printed-0001';

function setup(config: unknown) {
  const dir = mkdtempSync(join(tmpdir(), 'credential-helpers-'));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'config.json'), JSON.stringify(config));
  const helper = (name: string, body: string) => {
    const file = join(dir, `docker-credential-${name}`);
    writeFileSync(file, `#!/bin/sh\n${body}\n`);
    chmodSync(file, 0o755);
  };
  /** A helper that records its argument, stdin and environment, then answers `username`. */
  const recording = (name: string, username: string, secret = SECRET) =>
    helper(name, `echo "$1" > "${dir}/${name}.args"\ncat > "${dir}/${name}.stdin"\nenv > "${dir}/${name}.env"\nprintf '{"ServerURL":"x","Username":"%s","Secret":"%s"}' '${username}' '${secret}'`);
  const env = { DOCKER_CONFIG: dir, PATH: `${dir}:/usr/bin:/bin`, HOME: dir };
  const read = (file: string) => readFileSync(join(dir, file), 'utf8');
  return { dir, helper, recording, env, read };
}

describe('Docker credential helpers', () => {
  it('credHelpers[host] wins over credsStore, which wins over auths; the helper gets "get" and the key on stdin', () => {
    const auth = Buffer.from('from-auths:auths-password').toString('base64');
    const { recording, env, read } = setup({
      auths: { 'ghcr.io': { auth }, 'registry.example.com:5000': { auth }, 'other.example.com': { auth } },
      credsStore: 'desktop',
      credHelpers: { 'ghcr.io': 'gh' },
    });
    recording('gh', 'gh-user');
    recording('desktop', 'desktop-user');
    expect(credentialsFor('ghcr.io', env)).toEqual({ username: 'gh-user', password: SECRET });
    expect(read('gh.args')).toBe('get\n');
    expect(read('gh.stdin')).toBe('ghcr.io');
    expect(credentialsFor('registry.example.com:5000', env)).toEqual({ username: 'desktop-user', password: SECRET });
    expect(read('desktop.stdin')).toBe('registry.example.com:5000');
  });

  it('Docker Hub is asked for under https://index.docker.io/v1/, whichever of its names the repository uses', () => {
    const { recording, env, read } = setup({ credHelpers: { [DOCKER_HUB_KEY]: 'hub' } });
    recording('hub', 'hub-user');
    for (const host of ['docker.io', 'index.docker.io', 'registry-1.docker.io']) {
      expect(credentialsFor(host, env)).toEqual({ username: 'hub-user', password: SECRET });
      expect(read('hub.stdin')).toBe(DOCKER_HUB_KEY);
    }
  });

  it('auths alone: by host, or by a key with a scheme and path (docker login https://host/v1/); Docker Hub under its key', () => {
    const auth = (user: string) => Buffer.from(`${user}:pw`).toString('base64');
    const { env } = setup({ auths: { 'https://registry.example.com/v1/': { auth: auth('a') }, [DOCKER_HUB_KEY]: { auth: auth('hub') }, 'plain.example.com': { username: 'u', password: 'p' } } });
    expect(credentialsFor('registry.example.com', env)).toEqual({ username: 'a', password: 'pw' });
    expect(credentialsFor('docker.io', env)).toEqual({ username: 'hub', password: 'pw' });
    expect(credentialsFor('plain.example.com', env)).toEqual({ username: 'u', password: 'p' });
    expect(credentialsFor('unknown.example.com', env)).toBeUndefined();
  });

  it('a helper that holds nothing for the registry means anonymous, even with an auths entry (as docker)', () => {
    const { helper, env } = setup({ auths: { 'ghcr.io': { auth: Buffer.from('u:p').toString('base64') } }, credsStore: 'desktop' });
    helper('desktop', 'echo "credentials not found in native keychain"\nexit 1');
    expect(credentialsFor('ghcr.io', env)).toBeUndefined();
  });

  it('the helper runs with a minimal environment: what helpers need, not the caller\'s other secrets', () => {
    const { recording, env, read } = setup({ credsStore: 'rec' });
    recording('rec', 'u');
    credentialsFor('ghcr.io', { ...env, GITHUB_TOKEN: 'ghp_notForTheHelper', FCTL_KIT_SIGNING_KEY: 'key', NPM_TOKEN: 'npm', AWS_PROFILE: 'ci', XDG_RUNTIME_DIR: '/run/user/1' });
    const seen = Object.fromEntries(read('rec.env').trim().split('\n').map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]));
    expect(seen).toMatchObject({ PATH: env.PATH, HOME: env.HOME, DOCKER_CONFIG: env.DOCKER_CONFIG, AWS_PROFILE: 'ci', XDG_RUNTIME_DIR: '/run/user/1' });
    for (const name of ['GITHUB_TOKEN', 'FCTL_KIT_SIGNING_KEY', 'NPM_TOKEN']) expect(seen[name]).toBeUndefined();
  });

  it.each([
    ['is not on PATH', { credsStore: 'absent' }, undefined, 'docker-credential-absent (credsStore in the Docker config.json) is not on PATH: install it, or remove it from the config'],
    ['fails, with a token on stderr', { credHelpers: { 'ghcr.io': 'bad' } }, `echo "debug: token ${SECRET}" >&2\necho "error: backend unreachable for ${SECRET}" >&2\necho '{"Secret":"${SECRET}"}'\nexit 3`, 'docker-credential-bad (credHelpers["ghcr.io"] in the Docker config.json) exited with 3 for ghcr.io: error: backend unreachable for [redacted]'],
    ['answers something that is not JSON', { credsStore: 'bad' }, `echo "Username: u Secret: ${SECRET}"`, 'docker-credential-bad (credsStore in the Docker config.json) answered ghcr.io with something that is not JSON'],
    ['answers JSON without a Secret string', { credsStore: 'bad' }, 'echo \'{"Username":"u","Secret":42}\'', 'docker-credential-bad (credsStore in the Docker config.json) answered ghcr.io without a Username and a Secret string'],
    ['prints without end', { credsStore: 'bad' }, 'exec yes', 'docker-credential-bad (credsStore in the Docker config.json) printed more than 65536 bytes for ghcr.io: not a credential helper\'s answer'],
    ['is killed', { credsStore: 'bad' }, 'kill -9 $$', 'docker-credential-bad (credsStore in the Docker config.json) was killed by SIGKILL for ghcr.io'],
  ])('a helper that %s: an error naming it, never its output', (_what, config, body, message) => {
    const { helper, env } = setup(config);
    if (body) helper('bad', body);
    let error: Error | undefined;
    try {
      credentialsFor('ghcr.io', env);
    } catch (caught) {
      error = caught as Error;
    }
    expect(error).toBeInstanceOf(CredentialHelperError);
    expect(error?.message).toBe(message);
    expect(error?.message).not.toContain(SECRET);
  });

  it('a helper that does not answer is killed after the timeout, with an error naming it', () => {
    const { helper, env } = setup({ credsStore: 'slow' });
    helper('slow', 'exec sleep 600');
    expect(() => credentialsFor('ghcr.io', env, { helperTimeoutMs: 500 })).toThrow(new CredentialHelperError('docker-credential-slow (credsStore in the Docker config.json) did not answer within 0.5 s for ghcr.io'));
  });

  it('an identity token ("<token>" username) is refused, naming the helper, not sent as a password', () => {
    const { recording, env, dir } = setup({ credsStore: 'acr' });
    recording('acr', '<token>');
    expect(() => credentialsFor('example.azurecr.io', env)).toThrow(
      new CredentialHelperError(`docker-credential-acr (credsStore in ${join(dir, 'config.json')}) gave an identity token for example.azurecr.io, which fctl-kit cannot use yet: give the helper a username and password or token for this registry, or use "auths"`),
    );
  });

  it('a config that is not JSON is an error naming the file; a helper name that is not a program is refused; no config is anonymous', () => {
    const { dir, env } = setup({});
    writeFileSync(join(dir, 'config.json'), '{"auths": ');
    expect(() => credentialsFor('ghcr.io', env)).toThrow(new RegExp(`^cannot read the Docker config ${join(dir, 'config.json')}: `));
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ credsStore: '../../bin/sh' }));
    expect(() => credentialsFor('ghcr.io', env)).toThrow('credsStore in the Docker config.json names the helper "../../bin/sh", which is not a program name');
    expect(credentialsFor('ghcr.io', { ...env, DOCKER_CONFIG: join(dir, 'nowhere') })).toBeUndefined();
  });
});
