// The s3 backend's schemas: its entry in a release section (fctl-plugin.json) and its registry
// source. Loaded only by tools and fctl-kit (through the backend's schemas()), never by fctl.
import { Type, type Static } from '@sinclair/typebox';
import { BUCKET_PATTERN, ENDPOINT_PATTERN, PREFIX_PATTERN, REGION_PATTERN } from './names.js';

const where = {
  bucket: Type.String({ pattern: BUCKET_PATTERN, errorMessage: 'must be an S3 bucket name (3-63 characters: a-z, 0-9, "." and "-")', description: 'The bucket' }),
  prefix: Type.Optional(
    Type.String({ pattern: PREFIX_PATTERN, maxLength: 512, errorMessage: 'must be a key prefix like releases/fctl (no leading or trailing "/", no "." or ".." segment)', description: 'Keys start with it: <prefix>/<name>/<version>/<file>' }),
  ),
  region: Type.Optional(Type.String({ pattern: REGION_PATTERN, errorMessage: 'must be a region name like eu-west-1', description: 'The region (SigV4 signs for it; AWS hosts are per region)' })),
  endpoint: Type.Optional(
    Type.String({ pattern: ENDPOINT_PATTERN, maxLength: 512, errorMessage: 'must be an http(s) origin like https://s3.example.com', description: 'An S3-compatible server (default: AWS for the region)' }),
  ),
  addressing: Type.Optional(
    Type.Union([Type.Literal('path'), Type.Literal('virtual')], { description: 'path: https://host/bucket/key; virtual: https://bucket.host/key (default: virtual on AWS, path elsewhere)' }),
  ),
};

export const S3ConfigSchema = Type.Object(
  {
    backend: Type.Literal('s3'),
    ...where,
    publicBase: Type.Optional(
      Type.String({ pattern: '^https?://', maxLength: 2048, errorMessage: 'must be an http(s) URL', description: 'The URL the prefix is served from publicly (a CDN): the registry then records a url source' }),
    ),
  },
  { additionalProperties: false },
);

export const S3SourceSchema = Type.Object({ backend: Type.Literal('s3'), ...where }, { additionalProperties: false });

export type S3Config = Static<typeof S3ConfigSchema>;
export type S3Source = Static<typeof S3SourceSchema>;
