// Numbers and names every implementation of the protocol must agree on (docs/protocol.md).

/**
 * Protocol versions the TypeScript plugin SDK of this repository speaks, oldest first: what it
 * accepts in the handshake, and what fctl-kit offers when it reads a built plugin's manifest. fctl's
 * host offers its own list (HOST_PROTOCOL_VERSIONS in @fctl-kit/core).
 */
export const SUPPORTED_PROTOCOL_VERSIONS: readonly number[] = [1, 2];

/** Protocol versions this package defines messages, schemas and validators for, oldest first. */
export const KNOWN_PROTOCOL_VERSIONS: readonly number[] = [1, 2];

/** The core starts a plugin with this variable set to HANDSHAKE_VALUE; without it a plugin refuses to run. */
export const HANDSHAKE_ENV = 'FCTL_PLUGIN_HANDSHAKE';
export const HANDSHAKE_VALUE = 'fctl-plugin-protocol';

/** Exit code of a plugin started by hand (without the handshake variable). */
export const NOT_STARTED_BY_FCTL_EXIT_CODE = 64;

export const MiB = 1024 * 1024;
/** Largest plugin `hello` line (it carries the manifest). */
export const MAX_HELLO_BYTES = 1 * MiB;
/** Largest `result` or `error` line. */
export const MAX_RESULT_BYTES = 32 * MiB;
/** Deepest nesting of objects and arrays in one message, the message object itself being level 1. */
export const MAX_JSON_DEPTH = 64;

export const DEFAULT_HANDSHAKE_TIMEOUT_MS = 10_000;
export const DEFAULT_EXECUTE_TIMEOUT_MS = 60_000;
/** After `cancel`, how long the core waits for the plugin's answer before terminating it. */
export const CANCEL_GRACE_MS = 3_000;

/** The JSONPath subset of display schemas, as a regular expression (docs/protocol.md). */
export const JSON_PATH_PATTERN = String.raw`^\$(\.[A-Za-z_][A-Za-z0-9_-]*|\[[0-9]+\]|\["[^"\\]*"\])*$`;
