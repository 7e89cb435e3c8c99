// The user's AWS settings, from the standard places only: the environment (AWS_ACCESS_KEY_ID,
// AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, AWS_PROFILE, AWS_REGION, AWS_DEFAULT_REGION,
// AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL, AWS_IGNORE_CONFIGURED_ENDPOINT_URLS, AWS_CONFIG_FILE,
// AWS_SHARED_CREDENTIALS_FILE) and the shared files (~/.aws/credentials, ~/.aws/config). Never from
// a registry. Precedence as the AWS CLI's: keys in the environment, then the profile's keys in the
// credentials file, then in the config file.
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import ini from 'ini';
import { endpointOrigin } from './names.js';

export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export interface AwsSettings {
  credentials?: AwsCredentials;
  /** Where the credentials come from, for messages (never the credentials themselves). */
  credentialsFrom?: string;
  /** Why there are none although a profile is set up (a role, SSO or credential_process profile). */
  unsupported?: string;
  region?: string;
  /** The endpoints the user configured, as origins, the one that applies first. */
  endpoints: string[];
}

/** A problem with the user's AWS settings (a file that cannot be read, half a key pair...). */
export class AwsSettingsError extends Error {
  override name = 'AwsSettingsError';
}

const MAX_FILE_BYTES = 1024 * 1024;
const UNSUPPORTED = ['credential_process', 'role_arn', 'sso_session', 'sso_start_url', 'web_identity_token_file'];
type Section = Record<string, unknown>;

async function readIni(path: string): Promise<Record<string, Section>> {
  const text = await readFile(path, 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return '';
    throw new AwsSettingsError(`cannot read ${path}: ${error.code ?? error.message}`);
  });
  if (text.length > MAX_FILE_BYTES) throw new AwsSettingsError(`${path} is over ${MAX_FILE_BYTES} bytes`);
  // ini nests sections at ".": a profile named "team.ci" stays one section.
  const escaped = text.replace(/^(\s*\[)([^\]\r\n]*)(\])/gm, (_, open: string, name: string, close: string) => `${open}${name.replaceAll('.', '\\.')}${close}`);
  return ini.parse(escaped) as Record<string, Section>;
}

const text = (value: unknown) => (typeof value === 'string' && value.trim() ? value.trim() : undefined);

function keysIn(section: Section | undefined, where: string): AwsCredentials | undefined {
  const accessKeyId = text(section?.aws_access_key_id);
  const secretAccessKey = text(section?.aws_secret_access_key);
  if (!accessKeyId && !secretAccessKey) return undefined;
  if (!accessKeyId || !secretAccessKey) throw new AwsSettingsError(`${where} has ${accessKeyId ? 'aws_access_key_id without aws_secret_access_key' : 'aws_secret_access_key without aws_access_key_id'}`);
  const sessionToken = text(section?.aws_session_token);
  return { accessKeyId, secretAccessKey, ...(sessionToken ? { sessionToken } : {}) };
}

function configuredEndpoint(value: string | undefined, where: string): string | undefined {
  if (!value) return undefined;
  const origin = endpointOrigin(value);
  if (!origin || new URL(value).pathname !== '/') throw new AwsSettingsError(`${where} is ${JSON.stringify(value)}, not an http(s) endpoint like https://s3.example.com (fctl takes no path in it)`);
  return origin;
}

export async function awsSettings(env: NodeJS.ProcessEnv): Promise<AwsSettings> {
  const home = env.HOME || env.USERPROFILE || homedir();
  const credentialsFile = env.AWS_SHARED_CREDENTIALS_FILE || join(home, '.aws', 'credentials');
  const configFile = env.AWS_CONFIG_FILE || join(home, '.aws', 'config');
  const profile = env.AWS_PROFILE || 'default';
  const [credentialsIni, configIni] = await Promise.all([readIni(credentialsFile), readIni(configFile)]);
  const fromCredentials = credentialsIni[profile];
  const fromConfig = configIni[`profile ${profile}`] ?? (profile === 'default' ? configIni.default : undefined);
  if (env.AWS_PROFILE && !fromCredentials && !fromConfig) throw new AwsSettingsError(`AWS_PROFILE names the profile "${profile}", which neither ${credentialsFile} nor ${configFile} has`);

  let credentials: AwsCredentials | undefined;
  let credentialsFrom: string | undefined;
  const id = text(env.AWS_ACCESS_KEY_ID);
  const secret = text(env.AWS_SECRET_ACCESS_KEY);
  if (id || secret) {
    if (!id || !secret) throw new AwsSettingsError(`${id ? 'AWS_ACCESS_KEY_ID is set without AWS_SECRET_ACCESS_KEY' : 'AWS_SECRET_ACCESS_KEY is set without AWS_ACCESS_KEY_ID'}`);
    const token = text(env.AWS_SESSION_TOKEN);
    credentials = { accessKeyId: id, secretAccessKey: secret, ...(token ? { sessionToken: token } : {}) };
    credentialsFrom = 'the environment (AWS_ACCESS_KEY_ID)';
  } else {
    credentials = keysIn(fromCredentials, `profile "${profile}" in ${credentialsFile}`);
    if (credentials) credentialsFrom = `profile "${profile}" in ${credentialsFile}`;
    else {
      credentials = keysIn(fromConfig, `profile "${profile}" in ${configFile}`);
      if (credentials) credentialsFrom = `profile "${profile}" in ${configFile}`;
    }
  }
  const kind = !credentials && UNSUPPORTED.find((key) => fromConfig?.[key] !== undefined || fromCredentials?.[key] !== undefined);
  const unsupported = kind
    ? `profile "${profile}" gets its credentials through ${kind}, which fctl does not read: export them first, e.g. eval "$(aws configure export-credentials --profile ${profile} --format env)"`
    : undefined;

  const ignoreEndpoints = (env.AWS_IGNORE_CONFIGURED_ENDPOINT_URLS ?? text(fromConfig?.ignore_configured_endpoint_urls) ?? '').toLowerCase() === 'true';
  const endpoints = ignoreEndpoints
    ? []
    : [
        configuredEndpoint(text(env.AWS_ENDPOINT_URL_S3), 'AWS_ENDPOINT_URL_S3'),
        configuredEndpoint(text(env.AWS_ENDPOINT_URL), 'AWS_ENDPOINT_URL'),
        configuredEndpoint(text(fromConfig?.endpoint_url), `endpoint_url of profile "${profile}" in ${configFile}`),
      ].filter((endpoint): endpoint is string => Boolean(endpoint));
  const region = text(env.AWS_REGION) ?? text(env.AWS_DEFAULT_REGION) ?? text(fromConfig?.region);
  return { ...(credentials ? { credentials, credentialsFrom } : {}), ...(unsupported ? { unsupported } : {}), ...(region ? { region } : {}), endpoints };
}
