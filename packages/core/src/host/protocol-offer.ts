// The protocol versions this fctl offers in its hello: the plugin process, the manifest cache's key,
// registry resolution (versions speaking none of them are skipped) and `fctl version` all read it
// here, so they agree. Imports nothing: `fctl version` loads it on its fast path.
/** Set by a build that makes an fctl speaking fewer versions (buildCore's protocolVersions: an older fctl, for the matrix). */
declare const __FCTL_BUILT_PROTOCOL_VERSIONS__: readonly number[] | undefined;
const BUILT_PROTOCOL_VERSIONS = typeof __FCTL_BUILT_PROTOCOL_VERSIONS__ === 'undefined' ? undefined : __FCTL_BUILT_PROTOCOL_VERSIONS__;

/** The versions this host can speak. */
export const IMPLEMENTED_PROTOCOL_VERSIONS: readonly number[] = BUILT_PROTOCOL_VERSIONS ?? [1, 2];
/**
 * What fctl offers in its hello by default: every version the host speaks, so a plugin that speaks
 * v2 gets the broker and no token. FCTL_PROTOCOL_VERSIONS=1 gives a v1-pinned fctl (tests, and a
 * user working around a plugin whose v2 is broken).
 */
export const HOST_PROTOCOL_VERSIONS: readonly number[] = IMPLEMENTED_PROTOCOL_VERSIONS;
/** The environment variable that sets fctl's offer, e.g. `1` (a v1-pinned fctl) or `1,2`. */
export const PROTOCOL_VERSIONS_ENV = 'FCTL_PROTOCOL_VERSIONS';

/**
 * The offer: StartOptions.protocolVersions, else FCTL_PROTOCOL_VERSIONS (versions this host speaks,
 * comma-separated), else HOST_PROTOCOL_VERSIONS. An unusable variable is ignored, with a debug line.
 */
export function offeredProtocolVersions(
  explicit: readonly number[] | undefined,
  env: NodeJS.ProcessEnv = process.env,
  debug?: (line: string) => void,
): readonly number[] {
  if (explicit) return explicit;
  const text = env[PROTOCOL_VERSIONS_ENV];
  if (text === undefined || text.trim() === '') return HOST_PROTOCOL_VERSIONS;
  const versions = text.split(',').map((part) => part.trim());
  const usable = versions.length > 0 && versions.every((part) => /^[0-9]+$/.test(part) && IMPLEMENTED_PROTOCOL_VERSIONS.includes(Number(part)));
  if (!usable) {
    debug?.(`${PROTOCOL_VERSIONS_ENV}=${JSON.stringify(text)} ignored: it must list versions this fctl speaks (${IMPLEMENTED_PROTOCOL_VERSIONS.join(', ')}), comma-separated`);
    return HOST_PROTOCOL_VERSIONS;
  }
  return [...new Set(versions.map(Number))].sort((a, b) => a - b);
}
