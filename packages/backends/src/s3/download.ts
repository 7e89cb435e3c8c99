// The s3 backend's download side: the objects <prefix>/<name>/<version>/<file> of the bucket a
// registry source names. The source is untrusted, and it says where, never with what: the user's
// AWS credentials sign a request only when it goes to AWS itself (the source names no endpoint) or
// to an endpoint the user configured (AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL, endpoint_url of the
// profile). Any other endpoint a registry names is read anonymously: a hostile registry gets no
// signed request, no access key id and no session token.
import { displayUrl, HttpRequestError, parseRetryAfter, urlPolicyViolation } from '@fctl-kit/http';
import { DownloadError, type OpenedFile, type ReleaseRef, type SourceFiles } from '../distribution-backend.js';
import type { AwsCredentials, AwsSettings } from './credentials.js';
import { endpointOrigin, whereProblem } from './names.js';
import type { S3Source } from './schema.js';
import { addressingProblem, DEFAULT_REGION, defaultAddressing, keyOf, objectUrl, type S3Target } from './target.js';

/** The target a source names; the region, when it names none, from AWS_REGION / AWS_DEFAULT_REGION. */
export function sourceTarget(source: S3Source, env: NodeJS.ProcessEnv): S3Target {
  const endpoint = source.endpoint ? endpointOrigin(source.endpoint) : undefined;
  return {
    bucket: source.bucket,
    ...(source.prefix ? { prefix: source.prefix } : {}),
    region: source.region ?? (env.AWS_REGION?.trim() || env.AWS_DEFAULT_REGION?.trim() || DEFAULT_REGION),
    ...(endpoint ? { endpoint } : {}),
    addressing: source.addressing ?? defaultAddressing(source.bucket, endpoint),
  };
}

/** The credentials rule: AWS itself, or an endpoint of the user's own settings. */
export const mayUseCredentials = (target: S3Target, settings: Pick<AwsSettings, 'endpoints'>) => !target.endpoint || settings.endpoints.includes(target.endpoint);

/** What signs requests to `target`: the user's credentials when the rule allows, else nothing (anonymous). */
export async function readerFor(target: S3Target, env: NodeJS.ProcessEnv): Promise<{ credentials?: AwsCredentials; anonymousBecause?: string }> {
  const { awsSettings } = await import('./credentials.js');
  const settings = await awsSettings(env).catch((error: Error) => {
    throw new DownloadError(`cannot read the AWS settings: ${error.message}`, false);
  });
  if (!mayUseCredentials(target, settings)) {
    return {
      anonymousBecause: `read anonymously: AWS credentials are sent only to AWS and to an endpoint you configure (AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL, endpoint_url in your AWS config), and the registry names ${target.endpoint}`,
    };
  }
  if (settings.credentials) return { credentials: settings.credentials };
  return { anonymousBecause: settings.unsupported ? `read anonymously: ${settings.unsupported}` : 'read anonymously: no AWS credentials are set' };
}

export function s3Files(source: S3Source, release: ReleaseRef, env: NodeJS.ProcessEnv): SourceFiles {
  const problem = whereProblem(source);
  const target = problem ? undefined : sourceTarget(source, env);
  const refused = target && addressingProblem(target);
  const invalid = problem ?? refused;
  const keyFor = (file: string) => {
    const segments = [release.name, release.version, file];
    if (segments.some((segment) => !segment || segment === '.' || segment === '..' || segment.includes('/'))) {
      throw new DownloadError(`plugin "${release.name}": ${JSON.stringify(segments.join('/'))} is not a key of a release file`, false);
    }
    return keyOf(target!, release.name, release.version, file);
  };
  let reader: ReturnType<typeof readerFor> | undefined;
  return {
    describe(file) {
      if (invalid || !target) return `the s3 source of plugin "${release.name}" (${invalid})`;
      try {
        return displayUrl(objectUrl(target, keyFor(file)).url);
      } catch (error) {
        return (error as Error).message;
      }
    },
    async open(file, signal): Promise<OpenedFile> {
      if (invalid || !target) throw new DownloadError(`the s3 source of plugin "${release.name}" in the registry is not usable: ${invalid}`, false);
      const located = objectUrl(target, keyFor(file));
      const policy = urlPolicyViolation(located.url, located);
      if (policy) throw new DownloadError(`plugin "${release.name}": ${policy}`, false);
      reader ??= readerFor(target, env);
      const { credentials, anonymousBecause } = await reader;
      const { describeFailure, s3Request } = await import('./client.js');
      let response;
      try {
        ({ response } = await s3Request({ method: 'GET', target, key: keyFor(file), ...(credentials ? { credentials } : {}), options: { signal, retries: 0, env } }));
      } catch (error) {
        if (signal.aborted) throw signal.reason;
        if (error instanceof HttpRequestError) throw new DownloadError(error.kind === 'connect' ? `cannot reach ${displayUrl(located.url)}: ${error.reason}` : error.message, error.transient);
        throw new DownloadError(`cannot reach ${displayUrl(located.url)}: ${(error as Error).message}`, true);
      }
      if (response.status < 200 || response.status >= 300) {
        const transient = response.status >= 500 || response.status === 429 || response.status === 408;
        const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'));
        const why = await describeFailure(response);
        const hint = response.status === 403 && anonymousBecause ? ` (${anonymousBecause})` : '';
        throw new DownloadError(`${displayUrl(located.url)} answered ${why}${hint}`, transient, retryAfterMs);
      }
      const length = response.headers.get('content-length');
      return { body: response.body, close: () => response.discard(), ...(length && /^\d+$/.test(length) ? { size: Number(length) } : {}) };
    },
  };
}
