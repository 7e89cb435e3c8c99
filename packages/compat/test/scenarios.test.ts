// Loading compatibility scenarios: what a valid file gives, and the refusals with their places; the
// stub stack answering as a scenario says.
import { describe, expect, it } from 'vitest';
import { parseScenarios, startStubStack } from '../src/index.js';

const valid = `
scenarios:
  - name: list
    stack:
      services: { ledger: 3.2.0 }
      routes:
        GET /api/things: { body: { items: [1, 2] } }
        POST /api/things: { status: 201, body: null }
    command: [things, list, --page-size, 2]
    expect:
      json: { items: [1, 2] }
  - name: failing
    command: [things, list]
    expect: { exitCode: 1, stderrContains: boom }
`;

describe('scenarios', () => {
  it('reads names, stack answers, the command as strings, and expectations with defaults', () => {
    expect(parseScenarios(valid, 's.yaml')).toEqual([
      {
        name: 'list',
        services: { ledger: '3.2.0' },
        routes: { 'GET /api/things': { status: 200, body: { items: [1, 2] } }, 'POST /api/things': { status: 201, body: null } },
        command: ['things', 'list', '--page-size', '2'],
        expect: { exitCode: 0, json: { items: [1, 2] } },
      },
      { name: 'failing', services: {}, routes: {}, command: ['things', 'list'], expect: { exitCode: 1, stderrContains: 'boom' } },
    ]);
  });

  it.each([
    ['scenarios: []', 's.yaml: "scenarios" must list at least one scenario'],
    ['scenarios:\n  - name: a\n    command: [x]\n    expct: {}', 's.yaml: scenarios[0] has unknown field expct (known: name, stack, command, expect)'],
    ['scenarios:\n  - name: a\n    command: []', 's.yaml: scenarios[0] (a).command must be a non-empty list of arguments'],
    ['scenarios:\n  - name: a\n    command: [x]\n    stack: { routes: { "/versions": { body: 1 } } }', 's.yaml: scenarios[0] (a).stack.routes: "/versions" must be "METHOD /path"'],
    ['scenarios:\n  - name: a\n    command: [x]\n    stack: { routes: { "GET /v": { status: 42 } } }', 's.yaml: scenarios[0] (a).stack.routes["GET /v"].status must be an HTTP status'],
    ['scenarios:\n  - name: a\n    command: [x]\n    stack: { services: { ledger: 3 } }', 's.yaml: scenarios[0] (a).stack.services.ledger must be a version string like 3.2.0'],
    ['scenarios:\n  - name: a\n    command: [x]\n  - name: a\n    command: [y]', 's.yaml: two scenarios are named "a"'],
    ['scenarios:\n  - name: a\n    command: [x]\n    expect: { exitCode: "1" }', 's.yaml: scenarios[0] (a).expect.exitCode must be an integer'],
    ['scenarios: [', 's.yaml is not valid YAML'],
    ['base: &b { name: a }\nscenarios: [*b]', 's.yaml is not valid YAML'],
  ])('refuses %j', (text, message) => {
    expect(() => parseScenarios(text, 's.yaml')).toThrow(message);
  });
});

describe('the stub stack', () => {
  it('answers /versions from the services, the routes by method and path, 404 otherwise, and logs each request', async () => {
    const [scenario] = parseScenarios(valid, 's.yaml');
    const stack = await startStubStack(scenario!);
    try {
      expect(await (await fetch(`${stack.url}/versions`)).json()).toEqual({ versions: [{ name: 'ledger', version: 'v3.2.0' }] });
      expect(await (await fetch(`${stack.url}/api/things?page=2`)).json()).toEqual({ items: [1, 2] });
      expect((await fetch(`${stack.url}/api/things`, { method: 'POST', body: '{}' })).status).toBe(201);
      const missing = await fetch(`${stack.url}/api/other`);
      expect(missing.status).toBe(404);
      expect(await missing.json()).toEqual({ error: 'the scenario has no route GET /api/other' });
      expect(stack.requests).toEqual(['GET /versions -> 200', 'GET /api/things?page=2 -> 200', 'POST /api/things -> 201', 'GET /api/other -> 404']);
    } finally {
      await stack.stop();
    }
  });
});
