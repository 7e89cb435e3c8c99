// The `url` backend: a URL template per version (or per plugin) with {name}, {version}, {file},
// {os}, {arch}. https, http to loopback, or a local file:// location - a directory laid out for
// static hosting is also the air-gapped bundle.
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { isAbsolute } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { DownloadError, type DistributionBackend, type OpenedFile, type Release } from './backend.js';
import { checkHttpUrl, displayUrl, openHttp } from './http.js';

export function expandTemplate(template: string, release: Release, file: string): URL {
  if (!template.includes('{file}')) throw new DownloadError(`the url template of plugin "${release.name}" has no {file} placeholder: ${template}`, false);
  const values: Record<string, string> = { name: release.name, version: release.version, file, os: release.platform.os, arch: release.platform.arch };
  const expanded = template.replace(/\{(name|version|file|os|arch)\}/g, (_, key: string) => encodeURIComponent(values[key]!));
  try {
    return isAbsolute(expanded) ? pathToFileURL(expanded) : new URL(expanded);
  } catch {
    throw new DownloadError(`the url template of plugin "${release.name}" does not give a URL: ${template}`, false);
  }
}

export async function openLocal(url: URL): Promise<OpenedFile> {
  const path = fileURLToPath(url);
  const info = await stat(path).catch(() => undefined);
  if (!info?.isFile()) throw new DownloadError(`${path} does not exist`, false);
  return { body: createReadStream(path), size: info.size };
}

export class UrlBackend implements DistributionBackend {
  readonly name = 'url';

  /** `template` overrides the registry's (fctl plugin install --from DIR). */
  constructor(private readonly template?: string) {}

  private url(release: Release, file: string): URL {
    const template = this.template ?? release.entry.url ?? release.plugin.url;
    if (!template) throw new DownloadError(`plugin "${release.name}" ${release.version} has no url template in the registry`, false);
    return expandTemplate(template, release, file);
  }

  describe(release: Release, file: string): string {
    const url = this.url(release, file);
    return url.protocol === 'file:' ? fileURLToPath(url) : displayUrl(url);
  }

  async open(release: Release, file: string, signal: AbortSignal): Promise<OpenedFile> {
    const url = this.url(release, file);
    if (url.protocol === 'file:') return openLocal(url);
    checkHttpUrl(url, `plugin "${release.name}"`);
    return openHttp(url, signal);
  }
}
