// Compatibility scenarios (cmd/fctl-plugin/compat/scenarios.yaml): what fctl must print when it runs
// the plugin's commands against a stack that answers as described. Checked on load, with errors
// that name the file and the place.
//   scenarios:
//     - name: transactions on a 3.2 stack
//       stack:
//         services: { ledger: 3.2.0 }                      # what GET /versions answers
//         routes:                                           # the stack's other answers
//           GET /api/ledger/v3/default/transactions: { status: 200, body: { cursor: { ... } } }
//       command: [transactions, list, --page-size, "2"]
//       expect:
//         exitCode: 0                                       # default 0
//         json: { data: [ ... ] }                           # `-o json` output, compared as JSON
//         output: |                                         # the plain output, compared as text
//           ID   TIMESTAMP ...
//         stderrContains: some text
import { readFile } from 'node:fs/promises';
import { parse } from 'yaml';

export interface Route {
  status: number;
  body: unknown;
}

export interface Scenario {
  name: string;
  services: Record<string, string>;
  routes: Record<string, Route>;
  command: string[];
  expect: { exitCode: number; json?: unknown; output?: string; stderrContains?: string };
}

export class ScenarioError extends Error {}

const ROUTE_KEY = /^(GET|POST|PUT|PATCH|DELETE) \/\S*$/;

function object(value: unknown, where: string): Record<string, unknown> {
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw new ScenarioError(`${where} must be a mapping`);
  return value as Record<string, unknown>;
}

function onlyKeys(value: Record<string, unknown>, allowed: string[], where: string): void {
  const unknown = Object.keys(value).filter((key) => !allowed.includes(key));
  if (unknown.length) throw new ScenarioError(`${where} has unknown field${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')} (known: ${allowed.join(', ')})`);
}

function scenarioFrom(value: unknown, where: string): Scenario {
  const item = object(value, where);
  onlyKeys(item, ['name', 'stack', 'command', 'expect'], where);
  if (typeof item.name !== 'string' || !item.name.trim()) throw new ScenarioError(`${where}.name must be a non-empty string`);
  const at = `${where} (${item.name})`;
  const stack = object(item.stack ?? {}, `${at}.stack`);
  onlyKeys(stack, ['services', 'routes'], `${at}.stack`);
  const services = object(stack.services ?? {}, `${at}.stack.services`);
  for (const [service, version] of Object.entries(services)) {
    if (typeof version !== 'string') throw new ScenarioError(`${at}.stack.services.${service} must be a version string like 3.2.0`);
  }
  const routes: Record<string, Route> = {};
  for (const [key, route] of Object.entries(object(stack.routes ?? {}, `${at}.stack.routes`))) {
    if (!ROUTE_KEY.test(key)) throw new ScenarioError(`${at}.stack.routes: "${key}" must be "METHOD /path", e.g. "GET /versions"`);
    const answer = object(route, `${at}.stack.routes["${key}"]`);
    onlyKeys(answer, ['status', 'body'], `${at}.stack.routes["${key}"]`);
    const status = answer.status ?? 200;
    if (typeof status !== 'number' || !Number.isInteger(status) || status < 100 || status > 599) throw new ScenarioError(`${at}.stack.routes["${key}"].status must be an HTTP status`);
    routes[key] = { status, body: answer.body ?? null };
  }
  if (!Array.isArray(item.command) || !item.command.length || !item.command.every((arg) => typeof arg === 'string' || typeof arg === 'number')) {
    throw new ScenarioError(`${at}.command must be a non-empty list of arguments, e.g. [transactions, list]`);
  }
  const expect = object(item.expect ?? {}, `${at}.expect`);
  onlyKeys(expect, ['exitCode', 'json', 'output', 'stderrContains'], `${at}.expect`);
  const exitCode = expect.exitCode ?? 0;
  if (typeof exitCode !== 'number' || !Number.isInteger(exitCode)) throw new ScenarioError(`${at}.expect.exitCode must be an integer`);
  if (expect.output !== undefined && typeof expect.output !== 'string') throw new ScenarioError(`${at}.expect.output must be text`);
  if (expect.stderrContains !== undefined && typeof expect.stderrContains !== 'string') throw new ScenarioError(`${at}.expect.stderrContains must be text`);
  return {
    name: item.name,
    services: services as Record<string, string>,
    routes,
    command: item.command.map(String),
    expect: {
      exitCode,
      ...('json' in expect ? { json: expect.json } : {}),
      ...(expect.output !== undefined ? { output: expect.output as string } : {}),
      ...(expect.stderrContains !== undefined ? { stderrContains: expect.stderrContains as string } : {}),
    },
  };
}

export function parseScenarios(text: string, source: string): Scenario[] {
  let document: unknown;
  try {
    document = parse(text, { uniqueKeys: true, maxAliasCount: 0 });
  } catch (error) {
    throw new ScenarioError(`${source} is not valid YAML: ${(error as Error).message}`);
  }
  const root = object(document, source);
  onlyKeys(root, ['scenarios'], source);
  if (!Array.isArray(root.scenarios) || !root.scenarios.length) throw new ScenarioError(`${source}: "scenarios" must list at least one scenario`);
  const scenarios = root.scenarios.map((item, index) => scenarioFrom(item, `${source}: scenarios[${index}]`));
  const names = new Set<string>();
  for (const scenario of scenarios) {
    if (names.has(scenario.name)) throw new ScenarioError(`${source}: two scenarios are named "${scenario.name}"`);
    names.add(scenario.name);
  }
  return scenarios;
}

export async function readScenarios(path: string): Promise<Scenario[]> {
  const text = await readFile(path, 'utf8').catch(() => {
    throw new ScenarioError(`${path} does not exist: write the plugin's compatibility scenarios there`);
  });
  return parseScenarios(text, path);
}
