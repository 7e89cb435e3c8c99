import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  checkCoreMessageFor,
  checkHttpRequestV2,
  checkPluginMessageFor,
  decodeCoreMessage,
  decodeCoreMessageFor,
  decodePluginHandshake,
  decodePluginMessageFor,
  ProtocolViolation,
} from '../src/index.js';

const vector = (path: string) => (JSON.parse(readFileSync(join(import.meta.dirname, 'vectors', path), 'utf8')) as { message: Record<string, unknown> }).message;
const line = (message: unknown) => JSON.stringify(message);

describe('decoding for a negotiated version', () => {
  it('v1 decodes as the v1 decoders do', () => {
    const execute = vector('valid/execute.json');
    expect(decodeCoreMessageFor(1, line(execute))).toEqual(decodeCoreMessage(line(execute)));
  });

  it('a v1 execute, with its token, is not a v2 execute', () => {
    expect(() => decodeCoreMessageFor(2, line(vector('valid/execute.json')))).toThrow(/\/auth must NOT have additional properties \(accessToken\)/);
  });

  it('v2 messages are not v1 messages', () => {
    expect(() => decodeCoreMessageFor(1, line(vector('v2/valid/session.json')))).toThrow(/not one of protocol v1: type "session"/);
    expect(() => decodePluginMessageFor(1, line(vector('v2/valid/http-request-get.json')))).toThrow(/not one of protocol v1: type "http.request"/);
  });

  it('the hello a core sends is the same in both versions', () => {
    const hello = vector('v2/valid/core-hello-offers-1-and-2.json');
    expect(checkCoreMessageFor(1, hello)).toEqual(hello);
    expect(checkCoreMessageFor(2, hello)).toEqual(hello);
  });

  it('names the variant the type selects, not every variant of the union', () => {
    expect(() => checkPluginMessageFor(2, { ...vector('v2/valid/http-request-get.json'), method: 'GE T' })).toThrow(
      /^the plugin's "http.request" does not match protocol v2: \/method must match pattern/,
    );
  });

  it('a line that is not JSON, or too deep, is a violation in v2 as in v1', () => {
    expect(() => decodePluginMessageFor(2, '{"type":')).toThrow(ProtocolViolation);
    expect(() => decodePluginMessageFor(2, `{"type":"result","id":"1","data":${'['.repeat(64)}${']'.repeat(64)}}`)).toThrow(/64 levels/);
  });

  it('refuses a version it does not know', () => {
    expect(() => checkCoreMessageFor(3 as 2, {})).toThrow(RangeError);
  });
});

describe('decodePluginHandshake', () => {
  it('checks a hello against the version it names', () => {
    const v1 = { type: 'hello', protocolVersion: 1, manifest: vector('valid/manifest-minimal.json') };
    expect(decodePluginHandshake(line(v1))).toEqual(v1);
    const v2 = vector('v2/valid/plugin-hello.json');
    expect(decodePluginHandshake(line(v2))).toEqual(v2);
    expect(() => decodePluginHandshake(line({ ...v1, capabilities: {} }))).toThrow(/protocol v1.*capabilities/);
    expect(() => decodePluginHandshake(line({ ...v2, capabilities: undefined }))).toThrow(/protocol v2.*capabilities/);
  });

  it('accepts the frozen handshake error', () => {
    const error = vector('valid/error-handshake-unsupported.json');
    expect(decodePluginHandshake(line(error))).toEqual(error);
  });

  it('refuses a version it does not know, and anything but hello or error', () => {
    expect(() => decodePluginHandshake(line({ ...vector('v2/valid/plugin-hello.json'), protocolVersion: 3 }))).toThrow(/picked protocol version "3"/);
    expect(() => decodePluginHandshake(line(vector('v2/valid/result.json')))).toThrow(/other than hello/);
  });
});

describe('checkHttpRequestV2', () => {
  // The one-variant validator a plugin checks its requests with must say what the union says.
  const outcome = (check: () => unknown) => {
    try {
      return { accepted: check() };
    } catch (error) {
      return { refused: (error as Error).message, violation: error instanceof ProtocolViolation };
    }
  };
  const requests = ['valid', 'invalid'].flatMap((kind) =>
    readdirSync(join(import.meta.dirname, 'vectors', 'v2', kind))
      .filter((file) => file.startsWith('http-request-') && !file.includes('-from-core'))
      .map((file) => `v2/${kind}/${file}`),
  );

  it.each(requests)('%s: the same outcome and message as checkPluginMessageFor(2)', (path) => {
    const message = vector(path);
    expect(outcome(() => checkHttpRequestV2(message))).toEqual(outcome(() => checkPluginMessageFor(2, message)));
  });

  it('covers accepted and refused requests', () => {
    const outcomes = requests.map((path) => outcome(() => checkHttpRequestV2(vector(path))));
    expect(outcomes.filter((result) => 'accepted' in result).length).toBeGreaterThan(0);
    expect(outcomes.filter((result) => 'refused' in result).length).toBeGreaterThan(10);
  });
});
