// Compatibility scenarios (cmd/fctl-plugin/compat/scenarios.yaml): what fctl must print when it runs
// the plugin's commands against a stack that answers as described. Checked on load against the
// schema (src/scenarios-schema.ts, generated validator), within size and nesting bounds, with errors
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
import { open } from 'node:fs/promises';
import { describeSchemaError, quoteValue, type SchemaError } from '@fctl-kit/protocol';
import { parseBoundedYaml, YamlLimitError } from '@fctl-kit/registry';
import validateScenariosFile from './generated/scenarios.js';
import type { ScenariosFile } from './scenarios-schema.js';

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

/** Scenario files are written by hand; these are far beyond any real one. */
export const SCENARIO_LIMITS = { maxBytes: 1024 * 1024, maxDepth: 64 };

const validate = validateScenariosFile as unknown as ((value: unknown) => boolean) & { errors?: SchemaError[] | null };

/** `scenarios[2] (its name).expect.exitCode must be an integer; got "1"`: the scenario named as well as counted. */
function schemaProblem(document: unknown, source: string): string {
  const { place, problem } = describeSchemaError(validate.errors, { object: 'a mapping' });
  const index = /^scenarios\[(\d+)\]/.exec(place);
  const name = index ? ((document as ScenariosFile).scenarios[Number(index[1])] as { name?: unknown } | undefined)?.name : undefined;
  const named = index && typeof name === 'string' && name.trim() ? `${index[0]} (${quoteValue(name).slice(1, -1)})${place.slice(index[0].length)}` : place;
  return `${source}: ${named ? `${named} ` : ''}${problem}`;
}

export function parseScenarios(text: string, source: string): Scenario[] {
  let document: unknown;
  try {
    document = parseBoundedYaml(text, source, SCENARIO_LIMITS);
  } catch (error) {
    if (error instanceof YamlLimitError) throw new ScenarioError(error.message);
    throw new ScenarioError(`${source} is not valid YAML: ${(error as Error).message}`);
  }
  if (!validate(document)) throw new ScenarioError(schemaProblem(document, source));
  const scenarios = (document as ScenariosFile).scenarios.map(
    (item): Scenario => ({
      name: item.name,
      services: item.stack?.services ?? {},
      routes: Object.fromEntries(Object.entries(item.stack?.routes ?? {}).map(([key, route]) => [key, { status: route.status ?? 200, body: route.body ?? null }])),
      command: item.command.map(String),
      expect: {
        exitCode: item.expect?.exitCode ?? 0,
        ...(item.expect && 'json' in item.expect ? { json: item.expect.json } : {}),
        ...(item.expect?.output !== undefined ? { output: item.expect.output } : {}),
        ...(item.expect?.stderrContains !== undefined ? { stderrContains: item.expect.stderrContains } : {}),
      },
    }),
  );
  const names = new Set<string>();
  for (const scenario of scenarios) {
    if (names.has(scenario.name)) throw new ScenarioError(`${source}: two scenarios are named ${quoteValue(scenario.name)}`);
    names.add(scenario.name);
  }
  return scenarios;
}

export async function readScenarios(path: string): Promise<Scenario[]> {
  const handle = await open(path, 'r').catch(() => {
    throw new ScenarioError(`${path} does not exist: write the plugin's compatibility scenarios there`);
  });
  try {
    const { size } = await handle.stat();
    if (size > SCENARIO_LIMITS.maxBytes) throw new ScenarioError(`${path} is ${size} bytes, over the limit of ${SCENARIO_LIMITS.maxBytes}`);
    return parseScenarios(await handle.readFile('utf8'), path);
  } finally {
    await handle.close();
  }
}
