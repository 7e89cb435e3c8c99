// The deprecation warning shown on install and on every execution (RFC 0002 journey 7). Kept apart
// from the rest of discovery, which is loaded only when a plugin is installed.
export function deprecationWarning(name: string, version: string, message: string): string {
  return `plugin "${name}" v${version} is deprecated.\n         ${message}\n         Consider upgrading your stack.`;
}
