// Publishing to a bucket: inspect reads what is at each key (a GET, hashed when the size matches),
// apply PUTs exactly the plan's uploads. Signed with the user's AWS credentials (credentials.ts);
// every request through @fctl-kit/http.
import { createHash } from 'node:crypto';
import { setTimeout } from 'node:timers/promises';
import { HttpRequestError, urlPolicyViolation, type HttpResponse } from '@fctl-kit/http';
import type { PublishContext, PublishOutcome, ReleaseArtifacts } from '../distribution-backend.js';
import { buildFileStream, checkPublishable, PublishError, RACE_SETTLE_MS } from '../publish.js';
import { refusalError } from '../refusals.js';
import { awsSettings, type AwsCredentials, type AwsSettings } from './credentials.js';
import { describeFailure, s3Request, type S3Request } from './client.js';
import { endpointOrigin, whereProblem } from './names.js';
import { releaseKey, same, type Found, type ReleaseFile, type S3Plan, type S3State } from './plan.js';
import type { S3Config } from './schema.js';
import { addressingProblem, DEFAULT_REGION, defaultAddressing, displayObject, objectUrl, type S3Target } from './target.js';

/** The target of `config`: region, endpoint and addressing from the config, else the user's AWS settings, else AWS's defaults. */
export function resolveTarget(config: S3Config, settings: Pick<AwsSettings, 'region' | 'endpoints'>): S3Target {
  const problem = whereProblem(config);
  if (problem) throw new PublishError(`cannot publish to s3: ${problem}`);
  const endpoint = config.endpoint ? endpointOrigin(config.endpoint) : settings.endpoints[0];
  const target: S3Target = {
    bucket: config.bucket,
    ...(config.prefix ? { prefix: config.prefix } : {}),
    region: config.region ?? settings.region ?? DEFAULT_REGION,
    ...(endpoint ? { endpoint } : {}),
    addressing: config.addressing ?? defaultAddressing(config.bucket, endpoint),
  };
  const refused = addressingProblem(target) ?? urlPolicyViolation(objectUrl(target, 'x').url, objectUrl(target, 'x'));
  if (refused) throw new PublishError(`cannot publish to s3://${config.bucket}: ${refused}`);
  return target;
}

/** Who publishes: the user's credentials (and where they come from, for messages), and the environment requests are sent with. */
interface Publisher {
  credentials: AwsCredentials;
  from: string;
  env: NodeJS.ProcessEnv;
}

async function publisher(env: NodeJS.ProcessEnv): Promise<{ settings: AwsSettings; publisher: Publisher }> {
  const settings = await awsSettings(env).catch((error: Error) => {
    throw new PublishError(`cannot read the AWS settings: ${error.message}`);
  });
  if (!settings.credentials) {
    throw new PublishError(
      settings.unsupported ?? 'no AWS credentials to publish with: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN), or AWS_PROFILE naming a profile of ~/.aws/credentials',
    );
  }
  return { settings, publisher: { credentials: settings.credentials, from: settings.credentialsFrom ?? 'the AWS settings', env } };
}

type Call = Omit<S3Request, 'target' | 'key'>;

async function send(target: S3Target, key: string, call: Call, by: Publisher) {
  try {
    return await s3Request({ target, key, ...call, credentials: by.credentials, options: { ...call.options, env: by.env } });
  } catch (error) {
    const where = displayObject(target, key);
    throw new PublishError(error instanceof HttpRequestError ? `${call.method} ${where}: ${error.reason}` : `${call.method} ${where}: ${(error as Error).message}`);
  }
}

async function failed(target: S3Target, key: string, method: string, response: HttpResponse, by: Publisher): Promise<PublishError> {
  const why = await describeFailure(response);
  const hint = response.status === 403 ? ` (the credentials from ${by.from} are refused, or lack s3:GetObject/s3:PutObject on it; without s3:ListBucket a missing object answers 403 too)` : '';
  return new PublishError(`${method} ${displayObject(target, key)} answered ${why}${hint}`);
}

/**
 * What is at `key`: nothing (404), or an object, read (and hashed) only when its Content-Length is
 * the file's size. A GET rather than a HEAD: a refused HEAD has no body to say why.
 */
async function readBack(target: S3Target, key: string, file: ReleaseFile, by: Publisher): Promise<Found> {
  const { response } = await send(target, key, { method: 'GET' }, by);
  if (response.status === 404) {
    await response.discard();
    return null;
  }
  if (response.status < 200 || response.status >= 300) throw await failed(target, key, 'GET', response, by);
  const length = Number(response.headers.get('content-length') ?? Number.NaN);
  if (Number.isSafeInteger(length) && length !== file.size) {
    await response.discard();
    return { size: length };
  }
  const hash = createHash('sha256');
  let size = 0;
  try {
    for await (const chunk of response.body) {
      size += chunk.byteLength;
      if (size > file.size) return { size };
      hash.update(chunk);
    }
  } catch (error) {
    throw new PublishError(`GET ${displayObject(target, key)}: ${error instanceof HttpRequestError ? error.reason : (error as Error).message}`);
  } finally {
    await response.discard();
  }
  return { size, sha256: hash.digest('hex') };
}

export async function inspect(config: S3Config, release: ReleaseArtifacts, context: PublishContext): Promise<S3State> {
  checkPublishable(release);
  const { settings, publisher: by } = await publisher(context.env);
  const target = resolveTarget(config, settings);
  const files: Record<string, Found> = {};
  for (const file of release.files) files[file.name] = await readBack(target, releaseKey(target, release, file.name), file, by);
  return { target, files };
}

/**
 * Each file is created with `If-None-Match: *`: S3 (since 2024) and most S3-compatible servers
 * answer 412 when the key exists, so a racing publish never overwrites; everything uploaded is read
 * back after RACE_SETTLE_MS, so a server that ignores the header cannot leave a mixed release
 * reported as published.
 */
export async function apply(plan: S3Plan, context: PublishContext): Promise<PublishOutcome> {
  if (plan.refusals.length) throw refusalError(plan);
  checkPublishable(plan.release);
  const { release, state } = plan;
  const { target } = state;
  const { publisher: by } = await publisher(context.env);
  const raced = (file: ReleaseFile) =>
    new PublishError(
      `${displayObject(target, releaseKey(target, release, file.name))} was written with other bytes by another publish of ${release.name} ${release.version} at the same time: a published release is never overwritten; check the release before using it`,
    );
  const uploads = new Set(plan.actions.filter((action) => action.action === 'upload').map((action) => action.subject));
  const uploaded = release.files.filter((file) => uploads.has(file.name));
  for (const file of uploaded) {
    const key = releaseKey(target, release, file.name);
    context.onUpload?.(file.name, file.size);
    const put = (conditional: boolean) =>
      send(target, key, {
        method: 'PUT',
        headers: { 'content-type': 'application/octet-stream', 'content-length': String(file.size), ...(conditional ? { 'if-none-match': '*' } : {}) },
        // Signed: S3 refuses a body whose sha256 is not the file's (XAmzContentSHA256Mismatch).
        payloadSha256: file.sha256,
        // The same bytes to the same key: safe to send again (a retry finding its own first attempt gets 412).
        options: { body: () => buildFileStream(release, file.name), idempotent: true, ...(context.signal ? { signal: context.signal } : {}) },
      }, by);
    let { response } = await put(true);
    // A server without conditional writes: the read-back below is then what keeps a race honest.
    if (response.status === 501) {
      await response.discard();
      ({ response } = await put(false));
    }
    if (response.status === 412 || response.status === 409) {
      await response.discard();
      if (!same(await readBack(target, key, file, by), file)) throw raced(file);
    } else if (response.status < 200 || response.status >= 300) throw await failed(target, key, 'PUT', response, by);
    else await response.discard();
  }
  if (uploaded.length) await setTimeout(RACE_SETTLE_MS);
  for (const file of uploaded) if (!same(await readBack(target, releaseKey(target, release, file.name), file, by), file)) throw raced(file);
  return {
    backend: 's3',
    location: plan.location,
    source: plan.source,
    actions: plan.actions,
    bytesUploaded: uploaded.reduce((n, file) => n + file.size, 0),
  };
}
