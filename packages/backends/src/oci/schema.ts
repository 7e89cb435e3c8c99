// The oci backend's schemas, loaded only by tools and fctl-kit (schemas() imports this module
// lazily, so fctl never evaluates TypeBox to download). The release section names the repository
// to push to; a registry source names the repository users pull from (the tag is the version).
import { Type } from '@sinclair/typebox';
import type { BackendSchemas } from '../distribution-backend.js';

const closed = { additionalProperties: false };
// host[:port]/path, as parseOciRepository reads it (which also checks the path's OCI name rules).
const COMPONENT = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*';
const REPOSITORY = `^(?:[A-Za-z0-9.-]+|\\[[0-9A-Fa-f:.]+\\])(?::[0-9]{1,5})?/${COMPONENT}(?:/${COMPONENT})*$`;

export const ociSchemas: BackendSchemas = {
  config: Type.Object(
    {
      backend: Type.Literal('oci'),
      to: Type.String({ pattern: '\\S', maxLength: 4096, errorMessage: 'must be a non-empty string', description: 'An OCI repository, host/path; the tag is the version' }),
    },
    closed,
  ),
  source: Type.Object(
    {
      backend: Type.Literal('oci'),
      repository: Type.String({ pattern: REPOSITORY, maxLength: 512, errorMessage: 'must be an OCI repository, host[:port]/path', description: 'OCI repository, e.g. registry.example.com/fctl/ledger; the tag is the version' }),
    },
    closed,
  ),
};
