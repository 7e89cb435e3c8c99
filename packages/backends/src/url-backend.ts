// During the migration: the old download interface of the url backend, over url/download.ts.
import { DownloadError, type DistributionBackend, type OpenedFile, type Release } from './backend.js';
import { filesAt } from './url/download.js';

export { expandTemplate, openLocal } from './url/download.js';

export class UrlBackend implements DistributionBackend {
  readonly name = 'url';

  /** `template` overrides the registry's (fctl plugin install --from DIR). */
  constructor(private readonly template?: string) {}

  private files(release: Release) {
    const template = this.template ?? release.entry.url ?? release.plugin.url;
    if (!template) throw new DownloadError(`plugin "${release.name}" ${release.version} has no url template in the registry`, false);
    return filesAt(template, release);
  }

  describe(release: Release, file: string): string {
    return this.files(release).describe(file);
  }

  open(release: Release, file: string, signal: AbortSignal): Promise<OpenedFile> {
    return this.files(release).open(file, signal);
  }
}
