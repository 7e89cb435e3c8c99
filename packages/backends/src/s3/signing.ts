// SigV4 for one S3 request, with aws4. The signature covers the method, host, path, the x-amz-*
// headers and the payload's sha256 (for a PUT, the file's own: S3 refuses a body with other bytes).
import aws4 from 'aws4';
import type { AwsCredentials } from './credentials.js';

export const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

export interface SignedHeaders {
  /** x-amz-date, x-amz-content-sha256 and the caller's headers. */
  plain: Record<string, string>;
  /** Authorization and x-amz-security-token: sent only to the URL's own origin. */
  secret: Record<string, string>;
}

const SECRET = new Set(['authorization', 'x-amz-security-token']);

export function signRequest(method: string, url: URL, headers: Record<string, string>, payloadSha256: string, region: string, credentials: AwsCredentials): SignedHeaders {
  const signed = aws4.sign(
    { method, host: url.host, path: `${url.pathname}${url.search}`, service: 's3', region, headers: { ...headers, 'x-amz-content-sha256': payloadSha256 } },
    { accessKeyId: credentials.accessKeyId, secretAccessKey: credentials.secretAccessKey, ...(credentials.sessionToken ? { sessionToken: credentials.sessionToken } : {}) },
  );
  const plain: Record<string, string> = {};
  const secret: Record<string, string> = {};
  for (const [name, value] of Object.entries(signed.headers ?? {})) {
    if (name.toLowerCase() === 'host') continue; // the HTTP layer sends the same, url.host
    (SECRET.has(name.toLowerCase()) ? secret : plain)[name] = String(value);
  }
  return { plain, secret };
}
