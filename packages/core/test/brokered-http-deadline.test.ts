// A request timed out at its execute's deadline is answered as the deadline's cancel answers it
// (cancelled), whichever timer the event loop ran first: under load the request's own timer, capped
// at the deadline, could win and the plugin saw "timeout" for what was the command's deadline.
import { describe, expect, it } from 'vitest';
import type { HttpError, HttpRequest, HttpResponse } from '@fctl-kit/protocol';
import type { HttpBroker } from '../src/broker/broker.js';
import { BrokeredHttp, sessionLimits } from '../src/host/brokered-http.js';

function brokered() {
  const written: Array<Record<string, any>> = [];
  const pending: Array<{ request: HttpRequest; answer: (message: HttpResponse | HttpError) => void }> = [];
  const broker: HttpBroker = {
    limits: sessionLimits(),
    handle: (request) => new Promise((resolve) => pending.push({ request, answer: resolve })),
  };
  const http = new BrokeredHttp({ pluginName: 'ledger', broker: () => broker, write: (line) => written.push(JSON.parse(line)) });
  return { http, written, pending };
}

const request = (id: string, timeoutMs?: number): HttpRequest =>
  ({ type: 'http.request', id, execute: 'e1', method: 'GET', url: '/api/ledger/v2/x', headers: [], ...(timeoutMs !== undefined ? { timeoutMs } : {}) }) as HttpRequest;
const timedOut = (id: string): HttpError => ({ type: 'http.error', id, error: { kind: 'timeout', code: 'timeout', message: 'no complete response' } });
const auth = { serviceUrl: 'http://127.0.0.1:9', insecureSkipTlsVerify: false };
const pastDeadline = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('BrokeredHttp at the execute deadline', () => {
  it('a request bounded by the deadline that times out after it is answered cancelled, as the cancel would', async () => {
    const { http, written, pending } = brokered();
    http.startExecute('e1', auth, 30);
    http.request(request('r1'));
    http.request(request('r2', 60_000));
    expect(pending.map((entry) => entry.request.timeoutMs! <= 30)).toEqual([true, true]);
    await pastDeadline(50);
    for (const entry of pending) entry.answer(timedOut(entry.request.id));
    await pastDeadline(0);
    expect(written).toEqual([
      { type: 'http.error', id: 'r1', error: { kind: 'cancelled', code: 'cancelled', message: 'the command was cancelled' } },
      { type: 'http.error', id: 'r2', error: { kind: 'cancelled', code: 'cancelled', message: 'the command was cancelled' } },
    ]);
  });

  it("a request's own shorter timeoutMs stays a timeout, and so does a timeout before the deadline", async () => {
    const { http, written, pending } = brokered();
    http.startExecute('e1', auth, 60_000);
    http.request(request('r1', 5));
    http.request(request('r2'));
    await pastDeadline(10);
    for (const entry of pending) entry.answer(timedOut(entry.request.id));
    await pastDeadline(0);
    expect(written.map((message) => [message.id, message.error.kind])).toEqual([
      ['r1', 'timeout'],
      ['r2', 'timeout'],
    ]);
  });
});
