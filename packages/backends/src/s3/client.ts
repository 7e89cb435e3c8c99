// One S3 request through the one HTTP layer (@fctl-kit/http: proxies, timeouts, the URL policy,
// retries), signed with the caller's credentials or sent anonymously; S3's XML errors in words.
import { request, type HttpRequest, type HttpResponse } from '@fctl-kit/http';
import type { AwsCredentials } from './credentials.js';
import { EMPTY_SHA256, signRequest } from './signing.js';
import { objectUrl, type S3Target } from './target.js';

export interface S3Request {
  method: 'GET' | 'HEAD' | 'PUT';
  target: S3Target;
  key: string;
  /** Absent: the request is sent anonymously (public objects). */
  credentials?: AwsCredentials;
  headers?: Record<string, string>;
  /** The body's sha256 (hex), signed; default: the empty body's. */
  payloadSha256?: string;
  options?: Omit<HttpRequest, 'method' | 'headers' | 'credentials' | 'plainHttpOrigin'>;
}

/** The URL and the HTTP layer's options of one request: the signature, when any, only for the URL's own origin. */
export function prepareRequest(call: S3Request): { url: URL; options: HttpRequest } {
  const { url, plainHttpOrigin } = objectUrl(call.target, call.key);
  const headers = call.headers ?? {};
  const base: HttpRequest = { ...call.options, method: call.method, ...(plainHttpOrigin ? { plainHttpOrigin } : {}) };
  if (!call.credentials) return { url, options: { ...base, headers } };
  const signed = signRequest(call.method, url, headers, call.payloadSha256 ?? EMPTY_SHA256, call.target.region, call.credentials);
  return { url, options: { ...base, headers: signed.plain, credentials: { headers: signed.secret, origins: [url.origin] } } };
}

export async function s3Request(call: S3Request): Promise<{ url: URL; response: HttpResponse }> {
  const { url, options } = prepareRequest(call);
  return { url, response: await request(url, options) };
}

const MAX_ERROR_BYTES = 16 * 1024;
/** Entities decoded, control characters (terminal escapes) blanked. */
const decode = (value: string) => value.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, '&').replace(/[\u0000-\u001f\u007f-\u009f]/g, ' ');

/**
 * "403 Forbidden (SignatureDoesNotMatch: ...)": the status and S3's error code and message, read from
 * the body (at most 16 KiB, then discarded). Only <Code> and <Message>: S3's other fields echo the
 * request (the access key id, the string signed).
 */
export async function describeFailure(response: HttpResponse): Promise<string> {
  let body = '';
  try {
    for await (const chunk of response.body) {
      body += Buffer.from(chunk).toString('utf8');
      if (body.length > MAX_ERROR_BYTES) break;
    }
  } catch {
    // the status says enough
  } finally {
    await response.discard();
  }
  const code = /<Code>([^<]{1,100})<\/Code>/.exec(body)?.[1];
  const message = /<Message>([^<]{1,400})<\/Message>/.exec(body)?.[1];
  const status = `${response.status}${response.statusText ? ` ${response.statusText}` : ''}`;
  const detail = [code, message].filter(Boolean).map((part) => decode(part!).trim()).join(': ');
  return detail ? `${status} (${detail})` : status;
}
