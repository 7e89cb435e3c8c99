// The schemas of the two GitHub backends, loaded only by tools and fctl-kit (schemas() imports this
// module lazily, so fctl never evaluates TypeBox to download). The release section names where to
// publish (the API to publish through); a registry source names where users download from.
import { Type, type TSchema } from '@sinclair/typebox';
import type { BackendSchemas } from '../distribution-backend.js';
import { REPO_PATTERN } from './repo.js';

const closed = { additionalProperties: false };
const text = (description: string) => Type.String({ pattern: '\\S', maxLength: 4096, errorMessage: 'must be a non-empty string', description });
const repo = (description: string) => Type.String({ pattern: REPO_PATTERN, maxLength: 256, errorMessage: 'must be owner/name', description });
const httpUrl = (description: string) => Type.String({ pattern: '^https?://[^\\s]+$', maxLength: 512, description });

function config(kind: string): TSchema {
  return Type.Object(
    {
      backend: Type.Literal(kind),
      repo: repo('The GitHub repository, owner/name'),
      apiUrl: Type.Optional(text('GitHub Enterprise: the REST API URL')),
    },
    closed,
  );
}

export const githubReleasesSchemas: BackendSchemas = {
  config: config('github-releases'),
  source: Type.Object(
    {
      backend: Type.Literal('github-releases'),
      repo: repo('GitHub repository owner/name'),
      githubUrl: Type.Optional(httpUrl('GitHub Enterprise: the web URL that serves release downloads (default https://github.com)')),
    },
    closed,
  ),
};

export const privateReleasesSchemas: BackendSchemas = {
  config: config('private-releases'),
  source: Type.Object(
    {
      backend: Type.Literal('private-releases'),
      repo: repo('GitHub repository owner/name'),
      githubApiUrl: Type.Optional(httpUrl('GitHub Enterprise: the REST API URL (default https://api.github.com); fctl sends the token only to the API the user names in FCTL_GITHUB_API_URL')),
    },
    closed,
  ),
};
