// The key of a cell's cached result: sha256 over the canonical text of what decides the result,
// the core binary's digest, the protocol versions that core offers (FCTL_PROTOCOL_VERSIONS pins them,
// docs/protocol.md 2.4: the same binary offering [1] or [1, 2] runs a plugin on different protocols),
// the plugin release's checksums.txt digest (which pins every file of the release) and the scenarios' digest. Releases are immutable, so a key seen before is a cell that
// need not run again. CELL_KEY_VERSION is bumped when how a cell runs changes what it reports.
import { createHash } from 'node:crypto';
import { quoteInput } from './escape.js';

export const CELL_KEY_VERSION = 2;

export interface CellKeyInput {
  /** sha256 of the core binary run in the cell: 64 hex digits, or sha256:<hex>. */
  coreDigest: string;
  /** The protocol versions the core offers in the cell, in the order offered (e.g. [1, 2]). */
  protocolVersions: readonly number[];
  /** sha256 of the plugin release's checksums.txt. */
  checksumsDigest: string;
  /** sha256 of the scenarios file run. */
  scenariosDigest: string;
}

export class CacheKeyError extends Error {
  override name = 'CacheKeyError';
}

export const sha256Hex = (data: string | Uint8Array) => createHash('sha256').update(data).digest('hex');

/** `sha256:ABC…` or `abc…` → `abc…`; anything that is not a sha256 digest is refused. */
export function normalizeDigest(value: unknown, what: string): string {
  const match = typeof value === 'string' ? /^(?:sha256:)?([0-9a-fA-F]{64})$/.exec(value) : null;
  if (!match) throw new CacheKeyError(`${what} must be a sha256 digest (64 hex digits, optionally sha256:); got ${quoteInput(value)}`);
  return match[1]!.toLowerCase();
}

/** `[1, 2]` → `1,2`, in the order given; anything but a non-empty list of distinct positive integers is refused. */
export function normalizeProtocolVersions(value: unknown): string {
  const ok =
    Array.isArray(value) &&
    value.length > 0 &&
    value.length <= 64 &&
    value.every((v) => typeof v === 'number' && Number.isSafeInteger(v) && v > 0) &&
    new Set(value).size === value.length;
  if (!ok) throw new CacheKeyError(`the offered protocol versions must be a non-empty list of distinct positive integers; got ${quoteInput(value)}`);
  return (value as number[]).join(',');
}

/** The text hashed: one field a line, fixed order, lower-case hex. */
export function canonicalCellKeyText(input: CellKeyInput): string {
  return [
    `fctl-kit compat cell key ${CELL_KEY_VERSION}`,
    `core sha256:${normalizeDigest(input.coreDigest, 'the core binary digest')}`,
    `protocol-versions ${normalizeProtocolVersions(input.protocolVersions)}`,
    `plugin-checksums sha256:${normalizeDigest(input.checksumsDigest, 'the plugin checksums.txt digest')}`,
    `scenarios sha256:${normalizeDigest(input.scenariosDigest, 'the scenarios digest')}`,
    '',
  ].join('\n');
}

export const cellCacheKey = (input: CellKeyInput): string => sha256Hex(canonicalCellKeyText(input));
