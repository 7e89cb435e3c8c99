// The wire contract of protocol v2, defined once like v1's (src/schema.ts), which it reuses for every
// message it leaves unchanged. `npm run schemas` writes schema/*-v2.schema.json and the validators.
import { Type, type Static } from '@sinclair/typebox';
import {
  HTTP_HEADER_VALUE_PATTERN,
  HTTP_TOKEN_PATTERN,
  HTTP_URL_PATTERN,
  MAX_HTTP_HEADER_COUNT,
  MAX_HTTP_ID_LENGTH,
  MAX_HTTP_METHOD_LENGTH,
  MAX_HTTP_REQUEST_BODY_BYTES,
  MAX_HTTP_RESPONSE_BODY_BYTES,
  MAX_HTTP_URL_LENGTH,
} from './http-limits.js';
import {
  CancelSchema,
  CoreHelloSchema,
  ExecuteSchema,
  ManifestSchema,
  PluginErrorSchema,
  ResultSchema,
  type Cancel,
  type CoreHello,
  type Manifest,
  type PluginError,
  type Result,
} from './schema.js';

/** An object whose known keys are checked and whose other keys, any JSON, are ignored by the reader. */
const openObject = (description: string, known: Parameters<typeof Type.Object>[0] = {}) =>
  Type.Object(known, { additionalProperties: true, description });

const requestId = Type.String({ minLength: 1, maxLength: MAX_HTTP_ID_LENGTH, description: 'Chosen by the plugin, unique among its requests in flight' });

export const AuthContextV2Schema = Type.Object(
  {
    serviceUrl: Type.String({ description: 'Base URL of the stack; http.request paths are resolved against it' }),
    organizationId: Type.Optional(Type.String()),
    stackId: Type.Optional(Type.String()),
  },
  { additionalProperties: false, description: 'Nothing secret: the core adds the credentials to brokered requests itself' },
);

export const HttpHeadersSchema = Type.Array(
  Type.Tuple([
    Type.String({ pattern: HTTP_TOKEN_PATTERN, description: 'Header name (an HTTP token; compared case-insensitively)' }),
    Type.String({ pattern: HTTP_HEADER_VALUE_PATTERN, description: 'Header value: no CR, LF, NUL or other control character but tab' }),
  ]),
  { maxItems: MAX_HTTP_HEADER_COUNT, description: 'Header lines in order, a repeated name once per line; names and values total at most 64 KiB (UTF-8)' },
);

export const HttpBodySchema = Type.Object(
  {
    encoding: Type.Union([Type.Literal('utf8'), Type.Literal('base64')], {
      description: 'utf8: data is the text itself; base64: data is the bytes in standard, padded base64 (RFC 4648 section 4)',
    }),
    data: Type.String({ description: 'The text, or its bytes in base64 (checked by the decoder: a pattern would overflow regular-expression engines on large bodies)' }),
  },
  { additionalProperties: false, description: 'Absent: no body' },
);

export const HttpErrorKindSchema = Type.Union(
  [Type.Literal('refused'), Type.Literal('limit'), Type.Literal('unavailable'), Type.Literal('timeout'), Type.Literal('cancelled')],
  { description: 'refused: the core will not send it; limit: over a limit; unavailable: no answer from the network; timeout; cancelled: its execute was cancelled' },
);

export const HttpErrorBodySchema = Type.Object(
  {
    kind: HttpErrorKindSchema,
    code: Type.String({ pattern: '^[a-z][a-z0-9_]{0,62}$', description: 'Which rule or failure, e.g. other_origin, cancelled (docs/protocol.md)' }),
    message: Type.String({ description: 'For the user, one sentence; never a credential' }),
  },
  { additionalProperties: false },
);

// core -> plugin

export const SessionSchema = Type.Object(
  {
    type: Type.Literal('session'),
    capabilities: openObject('What the core offers; unknown keys are ignored by the plugin', {
      http: openObject('The HTTP broker', {
        maxInFlight: Type.Integer({ minimum: 1, description: 'Most http.request of the plugin in flight at once, all executes together' }),
        maxRequestBodyBytes: Type.Integer({ minimum: 0, maximum: MAX_HTTP_REQUEST_BODY_BYTES, description: 'Largest request body the core sends on (decoded)' }),
        maxResponseBodyBytes: Type.Integer({ minimum: 0, maximum: MAX_HTTP_RESPONSE_BODY_BYTES, description: 'Largest response body the core passes back (decoded)' }),
      }),
    }),
  },
  { additionalProperties: false, description: 'Sent once, right after a v2 hello from the plugin, before any execute' },
);

export const ExecuteV2Schema = Type.Object({ ...ExecuteSchema.properties, auth: AuthContextV2Schema }, { additionalProperties: false });

export const HttpResponseSchema = Type.Object(
  {
    type: Type.Literal('http.response'),
    id: requestId,
    status: Type.Integer({ minimum: 200, maximum: 599, description: 'The final status, after the redirects the core followed' }),
    headers: HttpHeadersSchema,
    body: Type.Optional(HttpBodySchema),
  },
  { additionalProperties: false },
);

export const HttpErrorSchema = Type.Object(
  { type: Type.Literal('http.error'), id: requestId, error: HttpErrorBodySchema },
  { additionalProperties: false },
);

export const CoreMessageV2Schema = Type.Union([CoreHelloSchema, SessionSchema, ExecuteV2Schema, CancelSchema, HttpResponseSchema, HttpErrorSchema]);

// plugin -> core

export const PluginHelloV2Schema = Type.Object(
  {
    type: Type.Literal('hello'),
    protocolVersion: Type.Literal(2),
    manifest: ManifestSchema,
    capabilities: openObject('What the plugin offers; unknown keys are ignored by the core'),
  },
  { additionalProperties: false },
);

export const HttpRequestSchema = Type.Object(
  {
    type: Type.Literal('http.request'),
    id: requestId,
    execute: Type.String({ minLength: 1, description: 'The id of the execute in flight this request belongs to' }),
    method: Type.String({ pattern: HTTP_TOKEN_PATTERN, maxLength: MAX_HTTP_METHOD_LENGTH, description: 'e.g. GET; case-sensitive' }),
    url: Type.String({ pattern: HTTP_URL_PATTERN, maxLength: MAX_HTTP_URL_LENGTH, description: 'A path from "/" (resolved against auth.serviceUrl) or an absolute http(s) URL' }),
    headers: HttpHeadersSchema,
    body: Type.Optional(HttpBodySchema),
    timeoutMs: Type.Optional(Type.Integer({ minimum: 1, description: 'Give up sooner than the execute deadline' })),
  },
  { additionalProperties: false },
);

export const PluginMessageV2Schema = Type.Union([PluginHelloV2Schema, ResultSchema, PluginErrorSchema, HttpRequestSchema]);

export type AuthContextV2 = Static<typeof AuthContextV2Schema>;
export type HttpHeaders = Static<typeof HttpHeadersSchema>;
export type HttpBody = Static<typeof HttpBodySchema>;
export type HttpErrorKind = Static<typeof HttpErrorKindSchema>;
export type HttpErrorBody = Static<typeof HttpErrorBodySchema>;
export type Session = Static<typeof SessionSchema>;
export type ExecuteV2 = Static<typeof ExecuteV2Schema>;
export type HttpResponse = Static<typeof HttpResponseSchema>;
export type HttpError = Static<typeof HttpErrorSchema>;
export type CoreMessageV2 = CoreHello | Session | ExecuteV2 | Cancel | HttpResponse | HttpError;
export type PluginHelloV2 = Omit<Static<typeof PluginHelloV2Schema>, 'manifest'> & { manifest: Manifest };
export type HttpRequest = Static<typeof HttpRequestSchema>;
export type PluginMessageV2 = PluginHelloV2 | Result | PluginError | HttpRequest;
