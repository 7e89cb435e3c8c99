// The url backend: a directory laid out for static hosting (also the air-gapped bundle) or an
// http(s) server accepting PUT, and downloads from a URL template. See docs/publishing.md#url.
import { resolvePaths } from '../config-paths.js';
import type { Backend, BackendFlag } from '../distribution-backend.js';
import { filesAt } from './download.js';
import { plan, templateFor, type UrlState } from './plan.js';
import type { UrlConfig, UrlSource } from './schema.js';

const flags: BackendFlag[] = [
  { field: 'to', value: 'location', description: 'A directory laid out for static hosting, or an http(s) base URL accepting PUT', required: true, path: true },
  { field: 'publicBase', value: 'url', description: 'The URL the directory is served from, for the registry entry (default: where it is published)' },
];

export const urlBackend: Backend<UrlConfig, UrlSource, UrlState> = {
  kind: 'url',
  summary: 'a directory for static hosting, or an http(s) server accepting PUT; downloads from a URL template',
  flags,
  async schemas() {
    const { UrlConfigSchema, UrlSourceSchema } = await import('./schema.js');
    return { config: UrlConfigSchema, source: UrlSourceSchema };
  },
  configFrom(values, base) {
    return resolvePaths(flags, { backend: 'url', to: values.to!, ...(values.publicBase ? { publicBase: values.publicBase } : {}) }, base);
  },
  async inspect(config, release, context) {
    return (await import('./publish.js')).inspect(config, release, context);
  },
  plan,
  async apply(plan, context) {
    return (await import('./publish.js')).apply(plan, context);
  },
  publishesTo(config, source) {
    return source.url === templateFor(config);
  },
  files(source, release) {
    return filesAt(source.url, release);
  },
};

export const backends: readonly Backend[] = [urlBackend];
