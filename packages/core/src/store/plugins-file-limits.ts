// Limits of plugins.json shared by its schema (read by the schema generator only) and the checks fctl
// runs on every read: kept apart so that reading plugins.json never builds the TypeBox schema.

/** How deep the value of a field this fctl does not know may nest (it is written back as it was read). */
export const UNKNOWN_FIELD_DEPTH = 16;
