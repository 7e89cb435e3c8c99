// The one rule for a backend's path fields (BackendFlag.path): a local path is resolved from a base
// directory (the working directory for flags, the plugin directory for a release section); a value
// with a URL scheme is kept as written.
import { resolve } from 'node:path';
import type { BackendFlag, PublishConfig } from './distribution-backend.js';

export const hasUrlScheme = (value: string) => /^[a-z][a-z0-9+.-]*:\/\//i.test(value);

export function resolvePaths<Config extends PublishConfig>(flags: readonly BackendFlag[], config: Config, base: string): Config {
  const resolved: Record<string, unknown> = { ...config };
  for (const flag of flags) {
    const value = resolved[flag.field];
    if (flag.path && typeof value === 'string' && !hasUrlScheme(value)) resolved[flag.field] = resolve(base, value);
  }
  return resolved as Config;
}
