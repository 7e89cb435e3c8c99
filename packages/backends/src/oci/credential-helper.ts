// The Docker credential-helper protocol, the `get` half: `docker-credential-<name> get` with the
// server URL on stdin answers {"ServerURL", "Username", "Secret"} on stdout, or exits non-zero with
// "credentials not found in native keychain". The Username "<token>" means Secret is an identity
// token (an OAuth2 refresh token), not a password. The helper runs with a minimal environment
// (what helpers need to find their store, never the caller's other secrets), a timeout and bounded
// output; its output is never shown, and errors name the helper.
import { spawnSync } from 'node:child_process';

export const HELPER_PREFIX = 'docker-credential-';
export const HELPER_TIMEOUT_MS = 30_000;
/** A helper's answer is a few hundred bytes; more than this is not one. */
export const MAX_HELPER_OUTPUT = 64 * 1024;
/** What the helpers of docker/docker-credential-helpers print (stdout) when they hold nothing for the server. */
const NOT_FOUND = 'credentials not found in native keychain';
const IDENTITY_TOKEN_USERNAME = '<token>';

export type HelperCredentials = { username: string; password: string } | { identityToken: string };

export class CredentialHelperError extends Error {}

/** The variables a helper may need: where its store is (keychain, pass, D-Bus secret service, cloud SDK config). */
const PASSED_NAMES = new Set([
  'PATH', 'HOME', 'USER', 'LOGNAME', 'SHELL', 'LANG', 'LC_ALL', 'TMPDIR', 'TMP', 'TEMP', 'DOCKER_CONFIG',
  'DBUS_SESSION_BUS_ADDRESS', 'DISPLAY', 'GNUPGHOME', 'GPG_AGENT_INFO', 'PASSWORD_STORE_DIR', 'PASSWORD_STORE_GPG_OPTS',
  'USERPROFILE', 'APPDATA', 'LOCALAPPDATA', 'SYSTEMROOT', 'WINDIR', 'COMSPEC', 'PATHEXT', 'PROGRAMDATA', 'PROGRAMFILES',
  'GOOGLE_APPLICATION_CREDENTIALS', 'CLOUDSDK_CONFIG',
]);
/** Cloud helpers (ecr-login, gcr, acr-env) read their own credentials from these. */
const PASSED_PREFIXES = ['XDG_', 'AWS_', 'AZURE_', 'CLOUDSDK_', 'ECR_'];

export function helperEnvironment(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const passed: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined) continue;
    const upper = name.toUpperCase();
    if (PASSED_NAMES.has(upper) || PASSED_PREFIXES.some((prefix) => upper.startsWith(prefix))) passed[name] = value;
  }
  return passed;
}

/** The last line a failing helper wrote on stderr, short, with anything that looks like a token hidden. */
function stderrHint(stderr: string): string {
  const line = stderr.split('\n').map((l) => l.trim()).filter(Boolean).at(-1);
  if (!line) return '';
  const redacted = line.replace(/[A-Za-z0-9+/=_.~-]{20,}/g, '[redacted]').slice(0, 200);
  return `: ${redacted.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?')}`;
}

/**
 * Asks `docker-credential-<name>` for the credentials of `serverUrl`: undefined when it holds none.
 * `why` says where the helper was configured (for errors), e.g. 'credHelpers["ghcr.io"]'.
 */
export function helperCredentials(name: string, serverUrl: string, why: string, env: NodeJS.ProcessEnv, timeoutMs = HELPER_TIMEOUT_MS): HelperCredentials | undefined {
  const program = `${HELPER_PREFIX}${name}`;
  const named = `${program} (${why} in the Docker config.json)`;
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name)) throw new CredentialHelperError(`${why} in the Docker config.json names the helper ${JSON.stringify(name)}, which is not a program name`);
  const run = spawnSync(program, ['get'], {
    input: serverUrl,
    env: helperEnvironment(env),
    timeout: timeoutMs,
    killSignal: 'SIGKILL',
    maxBuffer: MAX_HELPER_OUTPUT,
    encoding: 'utf8',
    windowsHide: true,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  // EPIPE: the helper exited without reading the server URL (some answer for every server); its answer still counts.
  const error = (run.error as NodeJS.ErrnoException | undefined)?.code === 'EPIPE' ? undefined : (run.error as NodeJS.ErrnoException | undefined);
  if (error?.code === 'ENOENT') throw new CredentialHelperError(`${named} is not on PATH: install it, or remove it from the config`);
  if (error?.code === 'ETIMEDOUT') throw new CredentialHelperError(`${named} did not answer within ${timeoutMs / 1000} s for ${serverUrl}`);
  if (error?.code === 'ENOBUFS') throw new CredentialHelperError(`${named} printed more than ${MAX_HELPER_OUTPUT} bytes for ${serverUrl}: not a credential helper's answer`);
  if (error) throw new CredentialHelperError(`${named} could not be run: ${error.code ?? error.message}`);
  const stdout = run.stdout ?? '';
  if (run.status !== 0) {
    if (stdout.trim() === NOT_FOUND || /credentials not found/i.test(stdout.trim().slice(0, 200))) return undefined;
    const how = run.signal ? `was killed by ${run.signal}` : `exited with ${run.status}`;
    throw new CredentialHelperError(`${named} ${how} for ${serverUrl}${stderrHint(run.stderr ?? '')}`);
  }
  let answer: { Username?: unknown; Secret?: unknown };
  try {
    answer = JSON.parse(stdout) as typeof answer;
  } catch {
    throw new CredentialHelperError(`${named} answered ${serverUrl} with something that is not JSON`);
  }
  if (typeof answer !== 'object' || answer === null || typeof answer.Secret !== 'string' || typeof (answer.Username ?? '') !== 'string') {
    throw new CredentialHelperError(`${named} answered ${serverUrl} without a Username and a Secret string`);
  }
  const username = (answer.Username as string | undefined) ?? '';
  if (!answer.Secret) return undefined;
  if (username === IDENTITY_TOKEN_USERNAME) return { identityToken: answer.Secret };
  return { username, password: answer.Secret };
}
