// A small JSON GET over node:http(s), which (unlike fetch on Node 20) can skip TLS verification
// for stacks whose profile asks for it.
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';

export interface GetJsonOptions {
  token?: string;
  insecureSkipTlsVerify?: boolean;
  timeoutMs: number;
  maxBytes: number;
}

export class HttpError extends Error {
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

export function getJson(url: URL, options: GetJsonOptions): Promise<unknown> {
  const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: 'GET',
        headers: { accept: 'application/json', ...(options.token ? { authorization: `Bearer ${options.token}` } : {}) },
        rejectUnauthorized: !options.insecureSkipTlsVerify,
        timeout: options.timeoutMs,
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > options.maxBytes) {
            req.destroy(new HttpError(`response larger than ${options.maxBytes} bytes`));
            return;
          }
          chunks.push(chunk);
        });
        res.on('end', () => {
          const status = res.statusCode ?? 0;
          if (status < 200 || status >= 300) {
            reject(new HttpError(`HTTP ${status}`, status));
            return;
          }
          try {
            resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')));
          } catch {
            reject(new HttpError('the response is not JSON', status));
          }
        });
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new HttpError(`no response within ${options.timeoutMs} ms`)));
    req.on('error', reject);
    req.end();
  });
}
