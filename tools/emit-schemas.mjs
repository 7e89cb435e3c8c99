#!/usr/bin/env node
// The one generator of schema files (`npm run schemas`; `npm run schemas -- --check` only reports
// stale files). Every schema is defined once, in TypeBox, in the package that owns it; from each this
// writes the JSON Schema file published for editors and other languages, and a validator precompiled by
// ajv into plain code, so nothing loads ajv or compiles a schema at run time. test/schemas.test.ts fails
// when a checked-in file differs from what this renders.
// It also writes what is derived from the distribution backends: the list of backends
// (packages/backends/src/generated/backends.ts, from every src/<dir>/backend.ts exporting `backends`),
// the release.backends union of fctl-plugin.json (entries with `fromBackends` get every backend's
// schema of that name), and the Nx plugin generator's release options.
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Ajv } from 'ajv';
import standaloneCodeModule from 'ajv/dist/standalone/index.js';

const standaloneCode = standaloneCodeModule.default ?? standaloneCodeModule;
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const DRAFT = 'http://json-schema.org/draft-07/schema#';

// The describer of the newer validators (describeSchemaError in @fctl-kit/protocol) reads the schema
// an error comes from (verbose) to name the known fields and allowed values; unions tagged by one
// field (discriminator) report the errors of the variant the tag selects, not of every variant.
const DESCRIBED = { verbose: true, discriminator: true };

/**
 * Each schema: the TypeBox module and export it comes from, the $id it is published under, the
 * validator it compiles to and, if it is published, its JSON Schema file (paths from the repository root).
 */
export const SCHEMAS = [
  ...['manifest', 'core-message', 'plugin-message'].map((stem) => ({
    module: 'packages/protocol/src/schema.ts',
    exported: `${stem.replace(/(^|-)([a-z])/g, (_, _dash, letter) => letter.toUpperCase())}Schema`,
    id: `https://fctl-plugin-kit.dev/protocol/v1/${stem}.schema.json`,
    validator: `packages/protocol/src/generated/${stem}.ts`,
    jsonSchema: `packages/protocol/schema/${stem}.schema.json`,
  })),
  // Protocol v2 republishes only the message unions (its manifest is v1's).
  ...['core-message', 'plugin-message'].map((stem) => ({
    module: 'packages/protocol/src/schema-v2.ts',
    exported: `${stem.replace(/(^|-)([a-z])/g, (_, _dash, letter) => letter.toUpperCase())}V2Schema`,
    id: `https://fctl-plugin-kit.dev/protocol/v2/${stem}.schema.json`,
    validator: `packages/protocol/src/generated/${stem}-v2.ts`,
    jsonSchema: `packages/protocol/schema/${stem}-v2.schema.json`,
  })),
  // One variant of the v2 plugin union on its own (not published): a plugin checks each request it
  // is about to send with it, without loading and compiling the whole union (its hello holds the
  // manifest's schema, most of the code).
  {
    module: 'packages/protocol/src/schema-v2.ts',
    exported: 'HttpRequestSchema',
    id: 'https://fctl-plugin-kit.dev/protocol/v2/http-request.schema.json',
    validator: 'packages/protocol/src/generated/http-request-v2.ts',
  },
  {
    module: 'packages/registry/src/schema.ts',
    exported: 'registrySchema',
    fromBackends: 'source',
    id: 'https://fctl-plugin-kit.dev/registry/v1/registry.schema.json',
    validator: 'packages/registry/src/generated/registry.ts',
    jsonSchema: 'packages/registry/schema/registry.schema.json',
  },
  {
    module: 'packages/plugin-config/src/plugin-config-schema.ts',
    exported: 'pluginConfigFileSchema',
    fromBackends: 'config',
    id: 'https://fctl-plugin-kit.dev/build/v1/fctl-plugin.schema.json',
    validator: 'packages/plugin-config/src/generated/plugin-config.ts',
    jsonSchema: 'packages/plugin-config/schema/fctl-plugin.schema.json',
    ajv: DESCRIBED,
  },
  {
    module: 'packages/compat/src/scenarios-schema.ts',
    exported: 'ScenariosFileSchema',
    id: 'https://fctl-plugin-kit.dev/compat/v1/scenarios.schema.json',
    validator: 'packages/compat/src/generated/scenarios.ts',
    jsonSchema: 'packages/compat/schema/scenarios.schema.json',
    ajv: DESCRIBED,
  },
  {
    module: 'packages/artifacts/src/artifact-list-schema.ts',
    exported: 'ArtifactListSchema',
    id: 'https://fctl-plugin-kit.dev/artifacts/v1/artifacts.schema.json',
    validator: 'packages/artifacts/src/generated/artifact-list.ts',
    jsonSchema: 'packages/artifacts/schema/artifacts.schema.json',
    ajv: DESCRIBED,
  },
  {
    module: 'packages/core/src/store/plugins-file-schema.ts',
    exported: 'PluginsFileSchema',
    id: 'https://fctl-plugin-kit.dev/core/v1/plugins.schema.json',
    validator: 'packages/core/src/store/generated/plugins-file.ts',
    ajv: DESCRIBED,
  },
];

function published(schema, id) {
  const { $id: _local, ...rest } = schema;
  return { $schema: DRAFT, $id: id, ...rest };
}

function validatorSource(entry, schema) {
  const ajv = new Ajv({ code: { source: true, esm: true }, strict: false, allErrors: false, ...entry.ajv });
  // The only runtime helper ajv's code uses counts code points; inlining it leaves the validators
  // with no dependency at all.
  const code = standaloneCode(ajv, ajv.compile(schema)).replaceAll('require("ajv/dist/runtime/ucs2length").default', '((text) => [...text].length)');
  if (code.includes('require(')) throw new Error(`the validator of ${entry.exported} needs a runtime dependency`);
  return `// @ts-nocheck\n// Generated by \`npm run schemas\` (tools/emit-schemas.mjs) from ${entry.exported} in ${entry.module}. Do not edit.\n${code}\n`;
}

const BACKENDS_DIR = 'packages/backends/src';
export const BACKEND_LIST = `${BACKENDS_DIR}/generated/backends.ts`;
const NX_PLUGIN = 'packages/nx/src/generators/plugin';

/** The list of backends: every src/<dir>/backend.ts that exports `backends`, by directory name. */
export function renderBackendList() {
  const dirs = readdirSync(join(root, BACKENDS_DIR), { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && entry.name !== 'generated')
    .map((entry) => entry.name)
    .filter((dir) => /^export const backends\b/m.test(current(`${BACKENDS_DIR}/${dir}/backend.ts`) ?? ''))
    .sort();
  const name = (dir) => dir.replace(/-([a-z0-9])/g, (_, c) => c.toUpperCase());
  return [
    '// Generated by `npm run schemas` (tools/emit-schemas.mjs) from every packages/backends/src/*/backend.ts that exports `backends`. Do not edit.',
    "import type { Backend } from '../distribution-backend.js';",
    ...dirs.map((dir) => `import { backends as ${name(dir)} } from '../${dir}/backend.js';`),
    '',
    `export const GENERATED_BACKENDS: readonly Backend[] = [${dirs.map((dir) => `...${name(dir)}`).join(', ')}];`,
    '',
  ].join('\n');
}

/** Every backend, with its schemas (from the list as it is on disk: write the list first). */
async function loadBackends() {
  const { BACKENDS } = await import(pathToFileURL(join(root, BACKENDS_DIR, 'backends.ts')).href);
  const loaded = await Promise.all(BACKENDS.map(async (backend) => ({ backend, schemas: await backend.schemas() })));
  const kinds = new Set();
  for (const { backend, schemas } of loaded) {
    // A kind is a registry value, a --backend value and a union tag: one of each, and spelled as one.
    if (!/^[a-z0-9][a-z0-9-]{0,62}$/.test(backend.kind)) throw new Error(`backend kind ${JSON.stringify(backend.kind)}: use a-z, 0-9 and "-"`);
    if (kinds.has(backend.kind)) throw new Error(`two backends are named ${backend.kind}`);
    kinds.add(backend.kind);
    for (const which of ['config', 'source']) {
      if (schemas[which]?.properties?.backend?.const !== backend.kind) throw new Error(`the ${which} schema of backend ${backend.kind} must fix "backend" to "${backend.kind}" (Type.Literal)`);
    }
    const fields = backend.flags.map((flag) => flag.field);
    if (new Set(fields).size !== fields.length || fields.includes('backend')) throw new Error(`backend ${backend.kind}: each flag sets its own config field, never "backend"`);
    // `fctl-kit publish` has these options of its own; a backend flag of the same name would be shadowed.
    const taken = fields.find((field) => ['dryRun', 'publicKey', 'tokenFile', 'help'].includes(field));
    if (taken) throw new Error(`backend ${backend.kind}: "${taken}" is an option of fctl-kit publish itself, not a config field`);
    const unknown = fields.find((field) => !schemas.config.properties?.[field]);
    if (unknown) throw new Error(`backend ${backend.kind}: the flag for "${unknown}" sets a field its config schema does not have`);
  }
  return loaded;
}

const capitalized = (field) => field[0].toUpperCase() + field.slice(1);

/** The generator's release<Field> options: one per config field of any backend's flags, described per backend. */
function releaseOptions(backends) {
  const byField = new Map();
  for (const { backend } of backends) {
    for (const flag of backend.flags) {
      if (!byField.has(flag.field)) byField.set(flag.field, []);
      byField.get(flag.field).push({ kind: backend.kind, flag });
    }
  }
  return [...byField].map(([field, uses]) => {
    const descriptions = new Map();
    for (const { kind, flag } of uses) {
      const text = `${flag.description}${flag.path ? ' (a path: from the workspace root)' : ''}`;
      descriptions.set(text, [...(descriptions.get(text) ?? []), kind]);
    }
    return { field, option: `release${capitalized(field)}`, description: [...descriptions].map(([text, kinds]) => `${kinds.join(', ')}: ${text}`).join('; ') };
  });
}

/** JSON with every object and list on one line, as the Nx schema is written. */
function inline(value) {
  if (Array.isArray(value)) return `[${value.map(inline).join(', ')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value);
    return entries.length ? `{ ${entries.map(([key, item]) => `${JSON.stringify(key)}: ${inline(item)}`).join(', ')} }` : '{}';
  }
  return JSON.stringify(value);
}

/** The Nx plugin generator's schema.json: its own options as written, the release options derived from the backends. */
function renderNxSchema(backends) {
  const schema = JSON.parse(current(`${NX_PLUGIN}/schema.json`));
  const properties = {};
  for (const [key, value] of Object.entries(schema.properties)) {
    if (/^release[A-Z]/.test(key) && key !== 'releaseBackend') continue;
    if (key !== 'releaseBackend') {
      properties[key] = value;
      continue;
    }
    properties.releaseBackend = { type: 'string', enum: backends.map(({ backend }) => backend.kind), description: 'Where the release target publishes' };
    for (const option of releaseOptions(backends)) properties[option.option] = { type: 'string', description: option.description };
  }
  const top = Object.entries({ ...schema, properties }).map(([key, value]) =>
    key === 'properties' ? `  "properties": {\n${Object.entries(value).map(([name, option]) => `    ${JSON.stringify(name)}: ${inline(option)}`).join(',\n')}\n  }` : `  ${JSON.stringify(key)}: ${inline(value)}`,
  );
  return `{\n${top.join(',\n')}\n}\n`;
}

/** What the generator's code needs of each backend: the option that sets each config field, and which are local paths. */
function renderNxReleaseBackends(backends) {
  const table = Object.fromEntries(backends.map(({ backend }) => [backend.kind, backend.flags.map((flag) => ({ field: flag.field, option: `release${capitalized(flag.field)}`, ...(flag.path ? { path: true } : {}) }))]));
  return [
    '// Generated by `npm run schemas` (tools/emit-schemas.mjs) from the flags of every distribution backend. Do not edit.',
    '',
    'export interface ReleaseOption {',
    '  /** The config field of the backend, in fctl-plugin.json\'s release.backends. */',
    '  field: string;',
    '  /** The generator option that sets it. */',
    '  option: `release${string}`;',
    '  /** A local path: given from the workspace root, written from the plugin directory. */',
    '  path?: true;',
    '}',
    '',
    'export const RELEASE_BACKENDS: Readonly<Record<string, readonly ReleaseOption[]>> = {',
    ...Object.entries(table).map(([kind, options]) => `  ${JSON.stringify(kind)}: ${inline(options)},`),
    '};',
    '',
  ].join('\n');
}

/** Repository-relative path -> the text the generator writes there. */
export async function renderSchemaFiles() {
  const files = new Map();
  files.set(BACKEND_LIST, renderBackendList());
  const backends = await loadBackends();
  files.set(`${NX_PLUGIN}/schema.json`, renderNxSchema(backends));
  files.set(`${NX_PLUGIN}/generated/release-backends.ts`, renderNxReleaseBackends(backends));
  for (const entry of SCHEMAS) {
    const module = await import(pathToFileURL(join(root, entry.module)).href);
    const exported = module[entry.exported];
    if (!exported) throw new Error(`${entry.module} does not export ${entry.exported}`);
    const schema = entry.fromBackends ? exported(backends.map(({ schemas }) => schemas[entry.fromBackends])) : exported;
    const document = published(schema, entry.id);
    if (entry.jsonSchema) files.set(entry.jsonSchema, `${JSON.stringify(document, null, 2)}\n`);
    files.set(entry.validator, validatorSource(entry, document));
  }
  return files;
}

function current(path) {
  try {
    return readFileSync(join(root, path), 'utf8');
  } catch {
    return undefined;
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const check = process.argv.includes('--check');
  const stale = [];
  // The list first: the files derived from the backends are rendered from the list on disk.
  if (!check && current(BACKEND_LIST) !== renderBackendList()) {
    writeFileSync(join(root, BACKEND_LIST), renderBackendList());
    console.log(`wrote ${BACKEND_LIST}`);
  }
  for (const [path, text] of await renderSchemaFiles()) {
    if (current(path) === text) continue;
    stale.push(path);
    if (check) continue;
    mkdirSync(join(root, dirname(path)), { recursive: true });
    writeFileSync(join(root, path), text);
    console.log(`wrote ${path}`);
  }
  if (check && stale.length) {
    console.error(`out of date (run \`npm run schemas\` and commit the result):\n${stale.map((path) => `  ${path}`).join('\n')}`);
    process.exit(1);
  }
  if (!stale.length) console.log('every schema file is up to date');
}
