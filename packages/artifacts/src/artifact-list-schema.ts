// artifacts.json, defined once: `npm run schemas` (tools/emit-schemas.mjs) writes the JSON Schema
// (schema/artifacts.schema.json, for other tools) and the validator parseArtifactList runs
// (src/generated/artifact-list.ts). Only the generator and tests load this module (and TypeBox);
// at run time the types of artifact-list.ts are all that is used.
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import type { ArtifactEntry, ArtifactList } from './artifact-list.js';

/** A union of objects told apart by one field; errors name that field and the variant's own problems. */
function Tagged<T extends TSchema[]>(propertyName: string, variants: [...T], options: Record<string, unknown> = {}) {
  return Type.Unsafe<Static<T[number]>>({ ...options, type: 'object', required: [propertyName], discriminator: { propertyName }, oneOf: variants });
}

const oneOf = <T extends string>(values: readonly T[], description: string) => Type.Unsafe<T>({ type: 'string', enum: [...values], description });
const closed = { additionalProperties: false };

// The release file name rule of release-files.ts; what a pattern cannot say (Windows device
// names, a trailing ".") is checked by parseArtifactList.
const name = Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._+-]{0,254}$', errorMessage: 'must be a release file name (letters, digits, ".", "_", "+" and "-", starting with a letter or digit)' });
const os = oneOf(['linux', 'darwin', 'windows'] as const, 'The operating system the binary runs on');
const arch = oneOf(['amd64', 'arm64'] as const, 'The CPU the binary runs on');
const size = Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER, description: 'Bytes' });
const sha256 = Type.String({ pattern: '^[0-9a-f]{64}$', errorMessage: 'must be 64 lowercase hexadecimal digits', description: 'sha256 of the file, as checksums.txt lists it' });

export const ArtifactEntrySchema = Tagged('kind', [
  Type.Object({ name, kind: Type.Literal('binary'), os, arch, size, sha256 }, { ...closed, description: 'An executable plugin for one platform: fctl-plugin-<name>-<os>-<arch>[.exe]' }),
  Type.Object(
    {
      name,
      kind: Type.Literal('compressed-binary'),
      os,
      arch,
      size,
      sha256,
      compression: Type.Literal('xz'),
      contains: Type.String({ ...name, description: 'The binary it decompresses to (listed too, with its own sha256)' }),
    },
    { ...closed, description: 'A binary compressed: <binary>.xz' },
  ),
  Type.Object({ name, kind: oneOf(['bundle', 'source-map', 'manifest', 'scenarios'] as const, 'A file listed in checksums.txt'), size, sha256 }, closed),
  Type.Object(
    { name, kind: oneOf(['artifact-list', 'checksums', 'signature', 'sigstore-bundle'] as const, 'artifacts.json itself, checksums.txt and what signs it: listed by name only') },
    { ...closed, description: 'A file this list cannot hash: itself (checksums.txt does), checksums.txt and its signatures' },
  ),
]);

export const ArtifactListSchema = Type.Object(
  {
    format: Type.Literal('fctl-plugin-artifacts/v1'),
    name: Type.String({ pattern: '^[a-z0-9][a-z0-9-]{0,62}$', errorMessage: 'must be a plugin name (a-z, 0-9 and "-", at most 63 characters)' }),
    version: Type.String({ minLength: 1, maxLength: 256, description: 'The plugin version (semver)' }),
    artifacts: Type.Array(ArtifactEntrySchema, { maxItems: 1000 }),
  },
  { ...closed, description: "The typed list of a plugin release's files (artifacts.json), covered by checksums.txt" },
);

// The schema and the types of artifact-list.ts say the same: a compile error here when they drift.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
export const entriesAgree: Static<typeof ArtifactEntrySchema> extends ArtifactEntry ? true : false = true;
export const listsAgree: Same<Static<typeof ArtifactListSchema>['format'], ArtifactList['format']> = true;
