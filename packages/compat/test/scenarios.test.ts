// Loading compatibility scenarios: what a valid file gives, and the refusals with their places; the
// stub stack answering as a scenario says.
import { describe, expect, it } from 'vitest';
import { parseScenarios, ScenarioError, startStubStack } from '../src/index.js';

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
    ['scenarios: []', 's.yaml: scenarios must list at least one scenario'],
    ['other: 1', 's.yaml: scenarios is missing'],
    ['- a', 's.yaml: must be a mapping; got a list'],
    ['scenarios:\n  - command: [x]', 's.yaml: scenarios[0].name is missing'],
    ['scenarios:\n  - name: "  "\n    command: [x]', 's.yaml: scenarios[0].name must be a non-empty string (at most 200 characters); got "  "'],
    ['scenarios:\n  - name: a\n    command: [x]\n    expct: {}', 's.yaml: scenarios[0] (a) has unknown field "expct" (known: name, stack, command, expect)'],
    ['scenarios:\n  - name: a\n    command: []', 's.yaml: scenarios[0] (a).command must be a non-empty list of arguments, e.g. [transactions, list]'],
    ['scenarios:\n  - name: a\n    command: x', 's.yaml: scenarios[0] (a).command must be a non-empty list of arguments, e.g. [transactions, list]; got "x"'],
    ['scenarios:\n  - name: a\n    command: [x, true]', 's.yaml: scenarios[0] (a).command[1] must be a string or a number; got true'],
    ['scenarios:\n  - name: a\n    command: [x]\n    stack: []', 's.yaml: scenarios[0] (a).stack must be a mapping; got a list'],
    ['scenarios:\n  - name: a\n    command: [x]\n    stack: { routes: { "/versions": { body: 1 } } }', 's.yaml: scenarios[0] (a).stack.routes has a key "/versions" that must be "METHOD /path", e.g. "GET /versions"'],
    ['scenarios:\n  - name: a\n    command: [x]\n    stack: { routes: { "GET /v": { status: 42 } } }', 's.yaml: scenarios[0] (a).stack.routes["GET /v"].status must be an HTTP status; got 42'],
    ['scenarios:\n  - name: a\n    command: [x]\n    stack: { routes: { "GET /v": { bdy: 1 } } }', 's.yaml: scenarios[0] (a).stack.routes["GET /v"] has unknown field "bdy" (known: status, body)'],
    ['scenarios:\n  - name: a\n    command: [x]\n    stack: { services: { ledger: 3 } }', 's.yaml: scenarios[0] (a).stack.services.ledger must be a version string like 3.2.0; got 3'],
    // A key with a newline is checked like any other (a pattern of keys would let it through).
    ['scenarios:\n  - name: a\n    command: [x]\n    stack: { services: { "a\\nb": 3 } }', 's.yaml: scenarios[0] (a).stack.services["a\\nb"] must be a version string like 3.2.0; got 3'],
    ['scenarios:\n  - name: a\n    command: [x]\n  - name: a\n    command: [y]', 's.yaml: two scenarios are named "a"'],
    ['scenarios:\n  - name: a\n    command: [x]\n    expect: { exitCode: "1" }', 's.yaml: scenarios[0] (a).expect.exitCode must be an integer; got "1"'],
    // What the file says is printed escaped: no escape sequence reaches the terminal.
    ['scenarios:\n  - name: "a\\e[2J\\u009b"\n    command: [x]\n    expect: { output: 3 }', 's.yaml: scenarios[0] (a\\u001b[2J\\u009b).expect.output must be text; got 3'],
    ['scenarios: [', 's.yaml is not valid YAML'],
    ['scenarios:\n  - name: a\n    command: [x]\n---\nscenarios: []', 's.yaml holds more than one YAML document (---)'],
    ['base: &b { name: a }\nscenarios: [*b]', 's.yaml uses YAML aliases (*name), which are not allowed'],
  ])('refuses %j', (text, message) => {
    expect(() => parseScenarios(text, 's.yaml')).toThrow(ScenarioError);
    if (message.endsWith('is not valid YAML')) expect(() => parseScenarios(text, 's.yaml')).toThrow(message);
    else expect(() => parseScenarios(text, 's.yaml')).toThrow(new ScenarioError(message));
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
