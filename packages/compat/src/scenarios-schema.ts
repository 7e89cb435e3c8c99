// compat/scenarios.yaml, defined once: `npm run schemas` (tools/emit-schemas.mjs) writes the JSON
// Schema (schema/scenarios.schema.json, for editors) and the validator the loader runs
// (src/generated/scenarios.ts). Only the generator and tests load this module (and TypeBox).
import { Type, type Static, type TSchema } from '@sinclair/typebox';

export const ROUTE_KEY_PATTERN = '^(GET|POST|PUT|PATCH|DELETE) /\\S*$';

const closed = { additionalProperties: false };

/**
 * An object with any keys, every value checked. (TypeBox's Record checks the values of keys matching
 * ^(.*)$, which a key holding a newline does not: it would pass unchecked.)
 */
function Dictionary<T extends TSchema>(value: T, options: Record<string, unknown> = {}) {
  return Type.Unsafe<Record<string, Static<T>>>({ ...options, type: 'object', additionalProperties: value });
}

export const RouteSchema = Type.Object(
  {
    status: Type.Optional(Type.Integer({ minimum: 100, maximum: 599, errorMessage: 'must be an HTTP status', description: 'Default 200' })),
    body: Type.Optional(Type.Unknown({ description: 'The JSON body answered (default null)' })),
  },
  closed,
);

export const ScenarioSchema = Type.Object(
  {
    name: Type.String({ pattern: '\\S', maxLength: 200, errorMessage: 'must be a non-empty string (at most 200 characters)' }),
    stack: Type.Optional(
      Type.Object(
        {
          services: Type.Optional(
            Dictionary(Type.String({ maxLength: 64, errorMessage: 'must be a version string like 3.2.0' }), {
              description: 'What GET /versions answers: service name -> version',
            }),
          ),
          routes: Type.Optional(
            Dictionary(RouteSchema, {
              propertyNames: { pattern: ROUTE_KEY_PATTERN, maxLength: 2048, errorMessage: 'must be "METHOD /path", e.g. "GET /versions"' },
              description: 'The stack\'s other answers, by "METHOD /path" (the query string is not matched)',
            }),
          ),
        },
        closed,
      ),
    ),
    command: Type.Array(Type.Unsafe<string | number>({ type: ['string', 'number'] }), {
      minItems: 1,
      errorMessage: 'must be a non-empty list of arguments, e.g. [transactions, list]',
      description: 'The command after `fctl <plugin>`',
    }),
    expect: Type.Optional(
      Type.Object(
        {
          exitCode: Type.Optional(Type.Integer({ errorMessage: 'must be an integer', description: 'Default 0' })),
          json: Type.Optional(Type.Unknown({ description: 'The `-o json` output, compared as JSON' })),
          output: Type.Optional(Type.String({ errorMessage: 'must be text', description: 'The plain output, exactly' })),
          stderrContains: Type.Optional(Type.String({ errorMessage: 'must be text' })),
        },
        closed,
      ),
    ),
  },
  closed,
);

export const ScenariosFileSchema = Type.Object(
  { scenarios: Type.Array(ScenarioSchema, { minItems: 1, errorMessage: 'must list at least one scenario' }) },
  { ...closed, title: 'compat/scenarios.yaml', description: 'Compatibility scenarios of an fctl plugin (docs/compat.md)' },
);

export type ScenariosFile = Static<typeof ScenariosFileSchema>;
