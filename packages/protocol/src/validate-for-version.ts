// Decoding for the version the handshake picked: each version has its own message unions, and v2
// adds the limits of brokered HTTP that its schemas cannot express (http-checks.ts).
import validateCoreMessageV1 from './generated/core-message.js';
import validateCoreMessageV2 from './generated/core-message-v2.js';
import validatePluginMessageV1 from './generated/plugin-message.js';
import validatePluginMessageV2 from './generated/plugin-message-v2.js';
import validateHttpRequestV2 from './generated/http-request-v2.js';
import { KNOWN_PROTOCOL_VERSIONS } from './constants.js';
import { httpMessageProblem } from './http-checks.js';
import type { CoreMessage, PluginError, PluginHello, PluginMessage } from './schema.js';
import type { CoreMessageV2, HttpRequest, PluginHelloV2, PluginMessageV2 } from './schema-v2.js';
import { describeSchemaErrors, messageType, parseLine, preview, ProtocolViolation, type Validator } from './wire-check.js';

export type ProtocolVersion = 1 | 2;
export type CoreMessageFor<V extends ProtocolVersion> = V extends 1 ? CoreMessage : CoreMessageV2;
export type PluginMessageFor<V extends ProtocolVersion> = V extends 1 ? PluginMessage : PluginMessageV2;

/** The message union of one direction in one version, whose variants are `types` in order. */
interface UnionRules {
  validate: Validator;
  types: readonly string[];
}

// One table per direction, so that a bundle of a plugin (which decodes only the core's messages)
// leaves the validators of the plugin's messages out, and the other way round.
const CORE_RULES: Record<ProtocolVersion, UnionRules> = {
  1: { validate: validateCoreMessageV1 as Validator, types: ['hello', 'execute', 'cancel'] },
  2: { validate: validateCoreMessageV2 as Validator, types: ['hello', 'session', 'execute', 'cancel', 'http.response', 'http.error'] },
};

const PLUGIN_RULES: Record<ProtocolVersion, UnionRules> = {
  1: { validate: validatePluginMessageV1 as Validator, types: ['hello', 'result', 'error'] },
  2: { validate: validatePluginMessageV2 as Validator, types: ['hello', 'result', 'error', 'http.request'] },
};

export function isKnownProtocolVersion(version: unknown): version is ProtocolVersion {
  return typeof version === 'number' && KNOWN_PROTOCOL_VERSIONS.includes(version);
}

function rulesOf(table: Record<ProtocolVersion, UnionRules>, version: number): UnionRules {
  if (!isKnownProtocolVersion(version)) throw new RangeError(`protocol version ${version} is not one this package knows (${KNOWN_PROTOCOL_VERSIONS.join(', ')})`);
  return table[version];
}

function checkLimits(value: { type: string }, from: string): void {
  if (value.type !== 'http.request' && value.type !== 'http.response') return;
  const problem = httpMessageProblem(value as Parameters<typeof httpMessageProblem>[0]);
  if (problem) throw new ProtocolViolation(`${from}'s "${value.type}" breaks protocol v2: ${problem}`);
}

/**
 * The message, checked against the union `validate` of `version`, whose variants are `types` in order:
 * a failing message is described by the errors of the variant its type names, not of every variant
 * (`variantPath`: where that variant's errors are, when `validate` is one variant's validator).
 */
function checkMessage<T>(version: ProtocolVersion, validate: Validator, types: readonly string[], value: unknown, from: string, variantPath?: string): T {
  const type = messageType(value);
  if (type === undefined || !types.includes(type)) {
    throw new ProtocolViolation(`${from} sent a message that is not one of protocol v${version}: type ${type === undefined ? 'missing' : preview(type)}`);
  }
  if (!validate(value)) {
    const variant = variantPath ?? `#/anyOf/${types.indexOf(type)}/`;
    const own = validate.errors?.filter((error) => error.schemaPath?.startsWith(variant));
    throw new ProtocolViolation(`${from}'s "${type}" does not match protocol v${version}: ${describeSchemaErrors(own?.length ? own : validate.errors)}`);
  }
  checkLimits(value as { type: string }, from);
  return value as T;
}

/** Checks a parsed message from the core against the rules of `version`. */
export function checkCoreMessageFor<V extends ProtocolVersion>(version: V, value: unknown): CoreMessageFor<V> {
  const rules = rulesOf(CORE_RULES, version);
  return checkMessage(version, rules.validate, rules.types, value, 'fctl');
}

/** Checks a parsed message from a plugin against the rules of `version`. */
export function checkPluginMessageFor<V extends ProtocolVersion>(version: V, value: unknown): PluginMessageFor<V> {
  const rules = rulesOf(PLUGIN_RULES, version);
  return checkMessage(version, rules.validate, rules.types, value, 'the plugin');
}

/**
 * What checkPluginMessageFor(2, value) says of an http.request (same rules, same errors), through the
 * validator of that one variant: a plugin checks each request it is about to send, and loading the
 * union's validator for it would load the manifest's schema too (most of that code).
 */
export function checkHttpRequestV2(value: unknown): HttpRequest {
  return checkMessage(2, validateHttpRequestV2 as Validator, ['http.request'], value, 'the plugin', '#/');
}

/** Parses one stdin line received by a plugin that negotiated `version`. */
export function decodeCoreMessageFor<V extends ProtocolVersion>(version: V, line: string): CoreMessageFor<V> {
  return checkCoreMessageFor(version, parseLine(line, 'fctl'));
}

/** Parses one stdout line of a plugin that negotiated `version`. */
export function decodePluginMessageFor<V extends ProtocolVersion>(version: V, line: string): PluginMessageFor<V> {
  return checkPluginMessageFor(version, parseLine(line, 'the plugin'));
}

/**
 * Parses the plugin's answer to the core's hello, before a version is in force: a hello is checked
 * against the version it names, an error against the frozen handshake error. The caller still
 * checks that the version named was offered.
 */
export function decodePluginHandshake(line: string): PluginHello | PluginHelloV2 | PluginError {
  const value = parseLine(line, 'the plugin');
  const type = messageType(value);
  if (type === 'error') return checkPluginMessageFor(1, value) as PluginError;
  if (type !== 'hello') throw new ProtocolViolation(`the plugin answered the handshake with something other than hello: ${preview(line)}`);
  const version = (value as { protocolVersion?: unknown }).protocolVersion;
  if (!isKnownProtocolVersion(version)) {
    throw new ProtocolViolation(`the plugin picked protocol version ${preview(JSON.stringify(version) ?? 'none')}, which is not one of ${KNOWN_PROTOCOL_VERSIONS.join(', ')}`);
  }
  return checkPluginMessageFor(version, value) as PluginHello | PluginHelloV2;
}
