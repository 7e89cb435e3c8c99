// The handshake's choice of version (docs/protocol.md, section 2.1), for both sides.

/** The highest version in both lists, or undefined when they share none. */
export function pickProtocolVersion(offered: readonly number[], supported: readonly number[]): number | undefined {
  let picked: number | undefined;
  for (const version of offered) {
    if (supported.includes(version) && (picked === undefined || version > picked)) picked = version;
  }
  return picked;
}
