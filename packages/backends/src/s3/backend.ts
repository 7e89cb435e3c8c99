// The s3 backend: a bucket of AWS S3 or of an S3-compatible server (MinIO, Ceph, R2, moto...),
// objects <prefix>/<name>/<version>/<file>, SigV4-signed with the user's AWS credentials. Publishing
// is inspect -> plan (pure, plan.ts) -> apply (publish.ts, loaded only when publishing); downloading
// reads the objects, anonymously or signed under the rule in download.ts. See docs/backends/s3.md.
import type { Backend, BackendFlag } from '../distribution-backend.js';
import { PublishError } from '../publish.js';
import { s3Files } from './download.js';
import { whereProblem, type Addressing } from './names.js';
import { plan, publishesTo, type S3State } from './plan.js';
import type { S3Config, S3Source } from './schema.js';

const flags: BackendFlag[] = [
  { field: 'bucket', value: 'name', description: 'The S3 bucket', required: true },
  { field: 'prefix', value: 'path', description: 'A key prefix: objects are <prefix>/<name>/<version>/<file>' },
  { field: 'region', value: 'region', description: 'The region (default: AWS_REGION, AWS_DEFAULT_REGION, the profile\'s, else us-east-1)' },
  { field: 'endpoint', value: 'url', description: 'An S3-compatible server (default: AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL, the profile\'s endpoint_url, else AWS)' },
  { field: 'addressing', value: 'style', description: 'path or virtual (default: virtual on AWS, path on other endpoints)' },
  { field: 'publicBase', value: 'url', description: 'The URL the prefix is served from publicly (a CDN): the registry then records a url source' },
];

export const s3Backend: Backend<S3Config, S3Source, S3State> = {
  kind: 's3',
  summary: 'an S3 bucket (AWS or S3-compatible), SigV4 with the AWS credentials of the environment or ~/.aws',
  flags,
  async schemas() {
    const { S3ConfigSchema, S3SourceSchema } = await import('./schema.js');
    return { config: S3ConfigSchema, source: S3SourceSchema };
  },
  configFrom(values) {
    const config: S3Config = { backend: 's3', bucket: values.bucket! };
    for (const field of ['prefix', 'region', 'endpoint', 'publicBase'] as const) if (values[field]) config[field] = values[field];
    if (values.addressing) config.addressing = values.addressing as Addressing;
    const problem = whereProblem(config) ?? (config.publicBase && !/^https?:\/\//i.test(config.publicBase) ? `public base ${JSON.stringify(config.publicBase)} is not an http(s) URL` : undefined);
    if (problem) throw new PublishError(`--backend s3: ${problem}`);
    return config;
  },
  async inspect(config, release, context) {
    return (await import('./publish.js')).inspect(config, release, context);
  },
  plan,
  async apply(plan, context) {
    return (await import('./publish.js')).apply(plan, context);
  },
  publishesTo,
  files: s3Files,
};

export const backends: readonly Backend[] = [s3Backend] as readonly Backend[];
