// A stack on 127.0.0.1 that answers as a scenario says: GET /versions from its services (unless the
// scenario gives that route itself), its routes by "METHOD /path" (the query string is ignored), and
// 404 for anything else - recorded, so a failing scenario can say what the plugin asked for.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Scenario } from './scenarios.js';

export interface StubStack {
  url: string;
  /** "METHOD /path?query -> status", in order. */
  requests: string[];
  stop(): Promise<void>;
}

export async function startStubStack(scenario: Pick<Scenario, 'services' | 'routes'>): Promise<StubStack> {
  const requests: string[] = [];
  const versions = { versions: Object.entries(scenario.services).map(([name, version]) => ({ name, version: `v${version.replace(/^v/, '')}` })) };
  const server = createServer((request, response) => {
    request.resume();
    const url = new URL(request.url ?? '/', 'http://stack');
    const key = `${request.method} ${url.pathname}`;
    const route = scenario.routes[key] ?? (key === 'GET /versions' ? { status: 200, body: versions } : undefined);
    const status = route?.status ?? 404;
    requests.push(`${request.method} ${url.pathname}${url.search} -> ${status}`);
    const body = JSON.stringify(route ? route.body : { error: `the scenario has no route ${key}` });
    response.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    stop: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
