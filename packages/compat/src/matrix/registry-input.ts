// The registry a matrix runs against: a file or an https URL (http only to loopback), read once
// and checked by the registry's own loader. `location` is what each cell's fctl is pointed at
// (FCTL_REGISTRY), so the cells install exactly what users of that registry install.
import { readFile, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { displayUrl, requestBuffered, urlPolicyViolation } from '@fctl-kit/http';
import { MAX_REGISTRY_BYTES, parseRegistry, type RegistryDocument } from '@fctl-kit/registry';
import { quoteInput } from './escape.js';

export class RegistryInputError extends Error {
  override name = 'RegistryInputError';
}

export interface MatrixRegistry {
  document: RegistryDocument;
  /** An absolute file path or the URL: FCTL_REGISTRY of every cell. */
  location: string;
}

export async function readMatrixRegistry(text: string, options: { signal?: AbortSignal } = {}): Promise<MatrixRegistry> {
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) {
    const path = resolve(text);
    const info = await stat(path).catch(() => undefined);
    if (!info?.isFile()) throw new RegistryInputError(`the registry ${path} is not a file`);
    if (info.size > MAX_REGISTRY_BYTES) throw new RegistryInputError(`the registry ${path} is ${info.size} bytes, over the limit of ${MAX_REGISTRY_BYTES}`);
    return { document: parseRegistry(await readFile(path), path), location: path };
  }
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new RegistryInputError(`the registry ${quoteInput(text)} is not a URL`);
  }
  if (url.username || url.password) throw new RegistryInputError('the registry URL must not contain credentials');
  const refused = urlPolicyViolation(url);
  if (refused) throw new RegistryInputError(`the registry ${displayUrl(url)}: ${refused}`);
  const response = await requestBuffered(url, { maxBytes: MAX_REGISTRY_BYTES, ...(options.signal ? { signal: options.signal } : {}) }).catch((error: Error) => {
    throw new RegistryInputError(`cannot read the registry ${displayUrl(url)}: ${error.message}`);
  });
  if (response.status < 200 || response.status >= 300) throw new RegistryInputError(`the registry ${displayUrl(url)} answered ${response.status}`);
  return { document: parseRegistry(response.body, displayUrl(url)), location: url.toString() };
}
