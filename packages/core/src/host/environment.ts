// The environment a plugin starts with: an explicit allowlist, so secrets in the user's shell
// (GITHUB_TOKEN, AWS_*, NPM_TOKEN...) never reach plugin code. Credentials reach a plugin
// only through the execute request's auth context.
import { HANDSHAKE_ENV, HANDSHAKE_VALUE } from '@fctl-kit/protocol';

const PASSED_THROUGH = [
  'PATH',
  'HOME',
  'TMPDIR',
  'TMP',
  'TEMP',
  'LANG',
  'LANGUAGE',
  'TZ',
  'TERM',
  'NO_COLOR',
  // Proxies: plugins reach their service through the network the user configured.
  'HTTPS_PROXY',
  'HTTP_PROXY',
  'NO_PROXY',
  'https_proxy',
  'http_proxy',
  'no_proxy',
  // Windows needs these for processes to start and to reach the network.
  'SYSTEMROOT',
  'SystemRoot',
  'WINDIR',
  'COMSPEC',
  'PATHEXT',
  'USERPROFILE',
  'APPDATA',
  'LOCALAPPDATA',
];

/** The complete environment of a plugin process. */
export function pluginEnvironment(source: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(source)) {
    if (value === undefined) continue;
    if (PASSED_THROUGH.includes(name) || name.startsWith('LC_')) env[name] = value;
  }
  env[HANDSHAKE_ENV] = HANDSHAKE_VALUE;
  return env;
}
