// A real npm registry on 127.0.0.1 for tests that install this kit the way a product team does:
// Verdaccio, with every publishable @fctl-kit package published from its built dist at its current
// version, and everything else proxied to the npm registry. Consumers get an .npmrc and an
// environment that point npm (and npx, nx add) at it; the publishing token stays in a file of its
// own that consumers never see.
//
// Verdaccio is provisioned by this module, not the repository's package.json: installed once with
// `npm ci` from verdaccio.lock.json (exact versions, integrity-checked) into
// ~/.cache/fctl-kit/verdaccio-<version>. 6.8.0 is the newest Verdaccio that runs on this kit's Node
// 20 (6.9+ need Node 22); it installs only with node-fetch overridden to 2.7.0.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import lockfile from 'proper-lockfile';
import { repoRoot } from './paths.js';

const run = promisify(execFile);
export const VERDACCIO_VERSION = '6.8.0';
const VERDACCIO_MANIFEST = {
  name: 'fctl-kit-test-verdaccio',
  private: true,
  dependencies: { verdaccio: VERDACCIO_VERSION },
  overrides: { 'node-fetch': '2.7.0' },
};
const VERDACCIO_LOCK = join(repoRoot, 'test', 'support', 'verdaccio.lock.json');
const CACHE = join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'fctl-kit');
const VERDACCIO_DIR = join(CACHE, `verdaccio-${VERDACCIO_VERSION}`);
const VERDACCIO_BIN = join(VERDACCIO_DIR, 'node_modules', 'verdaccio', 'bin', 'verdaccio');
export const UPSTREAM_REGISTRY = 'https://registry.npmjs.org/';
const PUBLISHER = 'fctl-kit-publisher';

export interface NpmRegistry {
  /** http://127.0.0.1:PORT/ */
  url: string;
  /** An .npmrc for consumers: the registry, nothing secret. */
  npmrc: string;
  /** npm_config_registry and npm_config_userconfig for child processes (npm, npx, nx). */
  env: NodeJS.ProcessEnv;
  /** The @fctl-kit packages published, name → version. */
  published: Record<string, string>;
  stop(): Promise<void>;
}

/** The environment of npm processes this module runs against the real registry: nothing of a test registry. */
function upstreamEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const key of Object.keys(env)) {
    if (/^npm_config_(registry|userconfig)$/i.test(key) && /127\.0\.0\.1|localhost/.test(readNpmrcTarget(env[key]!))) delete env[key];
  }
  return env;
}
const readNpmrcTarget = (value: string) => (existsSync(value) ? readFileSync(value, 'utf8') : value);

/** Verdaccio installed once into the cache (serialised across test files by a lock; the directory appears complete or not at all). */
export async function verdaccioInstall(): Promise<string> {
  if (existsSync(join(VERDACCIO_DIR, 'ready'))) return VERDACCIO_BIN;
  mkdirSync(CACHE, { recursive: true });
  const release = await lockfile.lock(CACHE, { lockfilePath: `${VERDACCIO_DIR}.lock`, retries: { retries: 600, minTimeout: 1000, maxTimeout: 1000 }, stale: 600_000 });
  try {
    if (existsSync(join(VERDACCIO_DIR, 'ready'))) return VERDACCIO_BIN;
    const staging = mkdtempSync(`${VERDACCIO_DIR}.staging-`);
    try {
      writeFileSync(join(staging, 'package.json'), `${JSON.stringify(VERDACCIO_MANIFEST, null, 2)}\n`);
      writeFileSync(join(staging, 'package-lock.json'), readFileSync(VERDACCIO_LOCK));
      await run('npm', ['ci', '--ignore-scripts', '--no-audit', '--no-fund', '--registry', UPSTREAM_REGISTRY], { cwd: staging, env: upstreamEnv(), maxBuffer: 64 * 1024 * 1024 });
      const { stdout } = await run(process.execPath, [join(staging, 'node_modules', 'verdaccio', 'bin', 'verdaccio'), '--version']);
      if (stdout.trim() !== `v${VERDACCIO_VERSION}`) throw new Error(`installed Verdaccio reports ${stdout.trim()}, expected v${VERDACCIO_VERSION}`);
      writeFileSync(join(staging, 'ready'), `verdaccio ${VERDACCIO_VERSION}\n`);
      rmSync(VERDACCIO_DIR, { recursive: true, force: true });
      renameSync(staging, VERDACCIO_DIR);
    } finally {
      rmSync(staging, { recursive: true, force: true });
    }
    return VERDACCIO_BIN;
  } finally {
    await release();
  }
}

/** The packages under packages/* that are published (not private), with their directories. */
export function publishablePackages(): Array<{ name: string; version: string; dir: string }> {
  const packagesDir = join(repoRoot, 'packages');
  return readdirSync(packagesDir)
    .filter((entry) => existsSync(join(packagesDir, entry, 'package.json')))
    .map((entry) => ({ dir: join(packagesDir, entry), manifest: JSON.parse(readFileSync(join(packagesDir, entry, 'package.json'), 'utf8')) }))
    .filter(({ manifest }) => !manifest.private)
    .map(({ dir, manifest }) => ({ name: manifest.name as string, version: manifest.version as string, dir }));
}

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });

function config(root: string, port: number): string {
  // JSON is YAML: no YAML writer needed.
  return JSON.stringify({
    storage: join(root, 'storage'),
    auth: { htpasswd: { file: join(root, 'htpasswd'), max_users: 1 } },
    uplinks: { npmjs: { url: UPSTREAM_REGISTRY, timeout: '120s', max_fails: 5, fail_timeout: '1m' } },
    packages: {
      // This kit's scope is never proxied: a package missing here must not come from elsewhere.
      '@fctl-kit/*': { access: '$all', publish: PUBLISHER, unpublish: PUBLISHER },
      '**': { access: '$all', publish: PUBLISHER, proxy: 'npmjs' },
    },
    listen: `127.0.0.1:${port}`,
    web: { enable: false },
    max_body_size: '512mb',
    log: { type: 'stdout', format: 'json', level: 'warn' },
  });
}

function waitForListening(child: ChildProcess, url: string, output: () => string): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => fail(new Error(`Verdaccio did not start within 120 s:\n${output()}`)), 120_000);
    const onData = () => {
      if (output().includes(`"addr":"${url}"`)) done();
    };
    const onExit = (code: number | null) => fail(new Error(`Verdaccio exited (${code}) before listening:\n${output()}`));
    const cleanup = () => {
      clearTimeout(timer);
      child.stdout!.off('data', onData);
      child.off('exit', onExit);
    };
    const done = () => (cleanup(), resolve());
    const fail = (error: Error) => (cleanup(), reject(error));
    child.stdout!.on('data', onData);
    child.once('exit', onExit);
    onData();
  });
}

async function login(url: string, password: string): Promise<string> {
  const response = await fetch(`${url}-/user/org.couchdb.user:${PUBLISHER}`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json', authorization: `Basic ${Buffer.from(`${PUBLISHER}:${password}`).toString('base64')}` },
    body: JSON.stringify({ name: PUBLISHER, password }),
  });
  const body = (await response.json()) as { token?: string; error?: string };
  if (!response.ok || !body.token) throw new Error(`Verdaccio login failed: ${response.status} ${body.error ?? ''}`);
  return body.token;
}

async function publishAll(packages: ReturnType<typeof publishablePackages>, env: NodeJS.ProcessEnv): Promise<void> {
  const missing = packages.filter(({ dir }) => !existsSync(join(dir, 'dist')));
  if (missing.length) {
    throw new Error(`not built: ${missing.map(({ name }) => name).join(', ')}; run NX_DAEMON=false NX_NO_CLOUD=true npx nx run-many -t build --output-style=static`);
  }
  const queue = [...packages];
  const worker = async () => {
    for (let next = queue.shift(); next; next = queue.shift()) {
      // Provenance needs a CI identity (GitHub Actions or GitLab OIDC): publishConfig asks for it,
      // and this local publish turns it off on the command line (npm lets flags override publishConfig).
      const published = await run('npm', ['publish', '--provenance=false', '--ignore-scripts', '--access', 'public'], { cwd: next.dir, env, maxBuffer: 16 * 1024 * 1024 }).catch(
        (error: { stderr?: string }) => ({ failed: error.stderr ?? String(error) }),
      );
      if ('failed' in published) throw new Error(`npm publish ${next.name}@${next.version} failed:\n${published.failed.slice(-4000)}`);
    }
  };
  await Promise.all([worker(), worker(), worker()]);
}

/** Starts Verdaccio on a free loopback port, publishes the kit's packages to it, and returns how to use it. */
export async function startNpmRegistry(): Promise<NpmRegistry> {
  const bin = await verdaccioInstall();
  const root = mkdtempSync(join(tmpdir(), 'npm-registry-'));
  const password = randomBytes(24).toString('hex');
  writeFileSync(join(root, 'exit-with-parent.cjs'), "process.stdin.on('end', () => process.exit(0)).on('error', () => process.exit(0)).resume();\n");
  writeFileSync(join(root, 'htpasswd'), `${PUBLISHER}:{SHA}${createHash('sha1').update(password).digest('base64')}\n`, { mode: 0o600 });
  let child: ChildProcess | undefined;
  const stop = async () => {
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child!.once('exit', resolve));
      child.kill();
      await exited;
    }
    rmSync(root, { recursive: true, force: true });
  };
  try {
    let url = '';
    for (let attempt = 0; ; attempt++) {
      // The free port can be taken between probing and Verdaccio binding it: try another one.
      const port = await freePort();
      url = `http://127.0.0.1:${port}/`;
      writeFileSync(join(root, 'config.yaml'), config(root, port));
      // Verdaccio exits when its stdin closes: with this test process, even if it is killed.
      child = spawn(process.execPath, ['--require', join(root, 'exit-with-parent.cjs'), bin, '--config', join(root, 'config.yaml')], { cwd: root, stdio: ['pipe', 'pipe', 'pipe'], env: upstreamEnv() });
      let output = '';
      const collect = (chunk: Buffer) => (output = (output + chunk.toString()).slice(-16_000));
      child.stdout!.on('data', collect);
      child.stderr!.on('data', collect);
      try {
        await waitForListening(child, url, () => output);
        break;
      } catch (error) {
        if (attempt >= 2 || !/EADDRINUSE/.test(output)) throw error;
      }
    }
    const token = await login(url, password);
    const publisherNpmrc = join(root, 'publisher.npmrc');
    writeFileSync(publisherNpmrc, `registry=${url}\n//${new URL(url).host}/:_authToken=${token}\n`, { mode: 0o600 });
    const npmrc = join(root, 'consumer.npmrc');
    writeFileSync(npmrc, `registry=${url}\naudit=false\nfund=false\nupdate-notifier=false\n`);
    const packages = publishablePackages();
    await publishAll(packages, { ...process.env, npm_config_registry: url, npm_config_userconfig: publisherNpmrc });
    return {
      url,
      npmrc,
      env: { npm_config_registry: url, npm_config_userconfig: npmrc },
      published: Object.fromEntries(packages.map(({ name, version }) => [name, version])),
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
