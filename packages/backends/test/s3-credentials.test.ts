// Where the s3 backend's credentials, region and endpoints come from: the AWS environment variables
// and shared files only, with the AWS CLI's precedence; broken settings are named, never guessed.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { awsSettings } from '../src/s3/credentials.js';

let home: string;
beforeAll(() => {
  home = mkdtempSync(join(tmpdir(), 's3-credentials-'));
});
afterAll(() => rmSync(home, { recursive: true, force: true }));

function files(credentials: string, config: string): NodeJS.ProcessEnv {
  const dir = mkdtempSync(join(home, 'aws-'));
  writeFileSync(join(dir, 'credentials'), credentials);
  writeFileSync(join(dir, 'config'), config);
  return { HOME: home, AWS_SHARED_CREDENTIALS_FILE: join(dir, 'credentials'), AWS_CONFIG_FILE: join(dir, 'config') };
}

describe('awsSettings', () => {
  it('nothing set: no credentials, no endpoints (downloads are anonymous, publishing refuses)', async () => {
    expect(await awsSettings({ HOME: home })).toEqual({ endpoints: [] });
  });

  it('keys in the environment win over the profile, AWS_PROFILE included (as with the AWS CLI)', async () => {
    const env = { ...files('[ci]\naws_access_key_id = FROMFILE\naws_secret_access_key = filesecret\n', ''), AWS_PROFILE: 'ci', AWS_ACCESS_KEY_ID: 'FROMENV', AWS_SECRET_ACCESS_KEY: 'envsecret', AWS_SESSION_TOKEN: 'tok' };
    expect(await awsSettings(env)).toMatchObject({ credentials: { accessKeyId: 'FROMENV', secretAccessKey: 'envsecret', sessionToken: 'tok' }, credentialsFrom: 'the environment (AWS_ACCESS_KEY_ID)' });
  });

  it('the profile\'s keys from the credentials file, else from the config file; region and endpoint_url from the config file', async () => {
    const env = files('[default]\naws_access_key_id = DEFAULTKEY\naws_secret_access_key = d\n', '[profile other]\naws_access_key_id = CONFIGKEY\naws_secret_access_key = c\nregion = ap-south-1\nendpoint_url = https://S3.Example.com/\n');
    expect((await awsSettings(env)).credentials?.accessKeyId).toBe('DEFAULTKEY');
    expect(await awsSettings({ ...env, AWS_PROFILE: 'other' })).toMatchObject({ credentials: { accessKeyId: 'CONFIGKEY' }, region: 'ap-south-1', endpoints: ['https://s3.example.com'] });
  });

  it('endpoints in order AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL, the profile\'s; all ignored with AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true; region AWS_REGION before AWS_DEFAULT_REGION', async () => {
    const env = { ...files('', '[default]\nendpoint_url = https://profile.example\nregion = eu-north-1\n'), AWS_ENDPOINT_URL_S3: 'http://127.0.0.1:9000', AWS_ENDPOINT_URL: 'https://all.example', AWS_REGION: 'eu-west-1', AWS_DEFAULT_REGION: 'us-west-2' };
    expect(await awsSettings(env)).toEqual({ region: 'eu-west-1', endpoints: ['http://127.0.0.1:9000', 'https://all.example', 'https://profile.example'] });
    expect((await awsSettings({ ...env, AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: 'true' })).endpoints).toEqual([]);
    expect((await awsSettings({ ...env, AWS_REGION: '' })).region).toBe('us-west-2');
  });

  it('broken settings are errors naming the variable, file and profile', async () => {
    await expect(awsSettings({ HOME: home, AWS_ACCESS_KEY_ID: 'X' })).rejects.toThrow('AWS_ACCESS_KEY_ID is set without AWS_SECRET_ACCESS_KEY');
    const env = files('[half]\naws_access_key_id = ONLYID\n', '');
    await expect(awsSettings({ ...env, AWS_PROFILE: 'half' })).rejects.toThrow(`profile "half" in ${env.AWS_SHARED_CREDENTIALS_FILE} has aws_access_key_id without aws_secret_access_key`);
    await expect(awsSettings({ HOME: home, AWS_ENDPOINT_URL_S3: 'https://s3.example.com/bucket-path' })).rejects.toThrow('AWS_ENDPOINT_URL_S3 is "https://s3.example.com/bucket-path", not an http(s) endpoint');
  });

  it('a role, SSO or credential_process profile: no credentials, and a way out in words', async () => {
    const env = { ...files('', '[profile sso]\nsso_session = corp\nregion = us-east-2\n'), AWS_PROFILE: 'sso' };
    const settings = await awsSettings(env);
    expect(settings.credentials).toBeUndefined();
    expect(settings.unsupported).toBe('profile "sso" gets its credentials through sso_session, which fctl does not read: export them first, e.g. eval "$(aws configure export-credentials --profile sso --format env)"');
  });
});
