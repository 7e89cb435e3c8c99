// The numbers of protocol v2's brokered HTTP (docs/protocol.md, section 3.10), shared by the schemas,
// the checks they cannot express, the core's broker and the SDKs.
import { MiB } from './constants.js';

export const KiB = 1024;

/** Largest body of an `http.request`, in bytes after decoding. */
export const MAX_HTTP_REQUEST_BODY_BYTES = 4 * MiB;
/** Largest body of an `http.response`, in bytes after decoding. */
export const MAX_HTTP_RESPONSE_BODY_BYTES = 32 * MiB;
/** Largest sum of the UTF-8 bytes of every header name and value of one request or response. */
export const MAX_HTTP_HEADER_BYTES = 64 * KiB;
/** Most header lines in one request or response (a repeated name counts once per line). */
export const MAX_HTTP_HEADER_COUNT = 100;
/** Longest method token. */
export const MAX_HTTP_METHOD_LENGTH = 32;
/** Longest `url` of an `http.request` (printable ASCII: one character is one byte). */
export const MAX_HTTP_URL_LENGTH = 8 * KiB;
/** Longest id of an `http.request`. */
export const MAX_HTTP_ID_LENGTH = 64;

/**
 * Largest line a core writes. An `http.response` body in base64 (4/3 of 32 MiB) fits; the core
 * chooses base64 whenever the utf8 form, with JSON escapes, would be longer.
 */
export const MAX_CORE_LINE_BYTES = 64 * MiB;

/** The in-flight bound (`session.capabilities.http.maxInFlight`) fctl announces. */
export const DEFAULT_HTTP_MAX_IN_FLIGHT = 8;

/** An HTTP token (RFC 9110 section 5.6.2): method names and header names. */
export const HTTP_TOKEN_PATTERN = "^[!#$%&'*+.^_`|~0-9A-Za-z-]+$";
/** A header value: any text but control characters (tab allowed), so no CR, LF or NUL can split a header. */
export const HTTP_HEADER_VALUE_PATTERN = String.raw`^[^\u0000-\u0008\u000A-\u001F\u007F]*$`;
/**
 * The target of an `http.request`: a path from `/` (not `//`) resolved against the stack's service
 * URL, or an absolute http(s) URL; printable ASCII without spaces (anything else percent-encoded).
 */
export const HTTP_URL_PATTERN = String.raw`^(/([\u0021-\u002E\u0030-\u007E][\u0021-\u007E]*)?|https?://[\u0021-\u007E]+)$`;
