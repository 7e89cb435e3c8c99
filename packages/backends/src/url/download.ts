// The url backend's download side: a URL template per version (or per plugin) with {name},
// {version}, {file}, {os}, {arch}. https, http to loopback, or a local file:// location - a
// directory laid out for static hosting is also the air-gapped bundle.
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { isAbsolute } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { DownloadError, type OpenedFile, type ReleaseRef, type SourceFiles } from '../distribution-backend.js';
import { checkHttpUrl, displayUrl, openHttp } from '../http.js';

export function expandTemplate(template: string, release: ReleaseRef, file: string): URL {
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

/** The files of `release` where `template` says they are. The template comes from a registry: untrusted. */
export function filesAt(template: string, release: ReleaseRef): SourceFiles {
  return {
    describe(file) {
      const url = expandTemplate(template, release, file);
      return url.protocol === 'file:' ? fileURLToPath(url) : displayUrl(url);
    },
    async open(file, signal) {
      const url = expandTemplate(template, release, file);
      if (url.protocol === 'file:') return openLocal(url);
      checkHttpUrl(url, `plugin "${release.name}"`);
      return openHttp(url, signal);
    },
  };
}
