// One release to one configured backend: the dispatch `fctl-kit publish` and `fctl-kit release` share.
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { publishToGithub, publishToOci, publishToUrl, type BuildRelease, type OnUpload, type PublishSummary } from '@fctl-kit/backends';
import type { ReleaseBackend } from './release-config.js';

export interface PublishContext {
  dryRun?: boolean;
  token?: string;
  onUpload?: OnUpload;
  env?: NodeJS.ProcessEnv;
}

export function publishTo(backend: ReleaseBackend, release: BuildRelease, context: PublishContext): Promise<PublishSummary> {
  const common = { dryRun: context.dryRun, ...(context.onUpload ? { onUpload: context.onUpload } : {}) };
  switch (backend.backend) {
    case 'github-releases':
    case 'private-releases':
      return publishToGithub(release, {
        ...common,
        repo: backend.repo,
        private: backend.backend === 'private-releases',
        ...(backend.apiUrl ? { apiUrl: backend.apiUrl } : {}),
        ...(context.token ? { token: context.token } : {}),
        ...(context.env ? { env: context.env } : {}),
      });
    case 'oci':
      return publishToOci(release, { ...common, to: backend.to, ...(context.env ? { env: context.env } : {}) });
    case 'url':
      return publishToUrl(release, { ...common, to: backend.to, ...(backend.publicBase ? { publicBase: backend.publicBase } : {}) });
  }
}

/** The token for GitHub: --token-file, else GITHUB_TOKEN. Never printed. */
export async function githubTokenFrom(tokenFile: string | undefined, env: NodeJS.ProcessEnv = process.env): Promise<string | undefined> {
  if (tokenFile) return (await readFile(resolve(tokenFile), 'utf8')).trim();
  return env.GITHUB_TOKEN?.trim() || undefined;
}
