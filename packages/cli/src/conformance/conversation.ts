// The core's side of a conversation, for the checks: the handshake, and waiting for the answer to
// an execute while answering the plugin's HTTP requests as the check decides. Every line the plugin
// writes is decoded against the version in use; one that does not decode is reported as what it is.
import {
  checkManifest,
  decodePluginHandshake,
  decodePluginMessageFor,
  preview,
  ProtocolViolation,
  type ErrorBody,
  type HttpRequest,
  type Manifest,
  type ProtocolVersion,
} from '@fctl-kit/protocol';
import type { PluginSession } from './plugin-session.js';

export const CORE = { name: 'fctl-kit-conformance', version: '1' };

/** Something a check did not expect; its message names what the plugin did. */
export class Deviation extends Error {}
/** Nothing came in time. */
export class NoAnswer extends Deviation {}

export type HandshakeReply =
  | { kind: 'hello'; version: ProtocolVersion; manifest: Manifest; capabilities?: Record<string, unknown> }
  | { kind: 'refused'; error: ErrorBody; protocolVersions?: number[] };

export async function handshake(session: PluginSession, offered: number[], timeoutMs: number): Promise<HandshakeReply> {
  session.send({ type: 'hello', protocolVersions: offered, core: CORE });
  const line = await nextLine(session, timeoutMs, 'its hello');
  let reply;
  try {
    reply = decodePluginHandshake(line);
  } catch (error) {
    throw new Deviation(`its answer to hello is not a valid hello or error: ${violation(error)}`);
  }
  if (reply.type === 'error') return { kind: 'refused', error: reply.error, ...(reply.protocolVersions ? { protocolVersions: reply.protocolVersions } : {}) };
  if (!offered.includes(reply.protocolVersion)) throw new Deviation(`it picked protocol version ${reply.protocolVersion}, which was not offered (${offered.join(', ')})`);
  let manifest: Manifest;
  try {
    manifest = checkManifest(reply.manifest);
  } catch (error) {
    throw new Deviation(`its manifest is invalid: ${violation(error)}`);
  }
  const version = reply.protocolVersion as ProtocolVersion;
  return { kind: 'hello', version, manifest, ...('capabilities' in reply ? { capabilities: reply.capabilities as Record<string, unknown> } : {}) };
}

/** The next stdout line; a Deviation for an exit, a timeout or an over-long line. */
export async function nextLine(session: PluginSession, timeoutMs: number, waitingFor: string): Promise<string> {
  const event = await session.next(timeoutMs);
  if (event.kind === 'line') return event.text;
  if (event.kind === 'timeout') throw new NoAnswer(`nothing came within ${timeoutMs / 1000} s while waiting for ${waitingFor}`);
  if (event.kind === 'overflow') throw new Deviation(`a line on stdout passed ${event.limit} bytes while waiting for ${waitingFor}`);
  throw new Deviation(`it ${session.describeExit(event)} before ${waitingFor}${session.stderrNote()}`);
}

export type Answer = { kind: 'result'; data: unknown } | { kind: 'error'; error: ErrorBody };

/**
 * Reads until the answer to execute `id`. `onRequest` is called for each http.request (v2) and may
 * answer it then or later; requests seen are returned with the answer.
 */
export async function awaitAnswer(
  session: PluginSession,
  version: ProtocolVersion,
  id: string,
  timeoutMs: number,
  onRequest: (request: HttpRequest) => void = () => {},
): Promise<{ answer: Answer; requests: HttpRequest[] }> {
  const requests: HttpRequest[] = [];
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const line = await nextLine(session, Math.max(1, deadline - Date.now()), `the answer to execute "${id}"`);
    let message;
    try {
      message = decodePluginMessageFor(version, line);
    } catch (error) {
      throw new Deviation(`it wrote a line that is not a protocol v${version} message: ${violation(error)}`);
    }
    if (message.type === 'http.request') {
      requests.push(message);
      onRequest(message);
      continue;
    }
    if (message.type === 'hello') throw new Deviation('it sent a second hello');
    if (message.id !== id) throw new Deviation(`it answered execute ${preview(String(message.id))}, which was not asked (expected "${id}")`);
    return { answer: message.type === 'result' ? { kind: 'result', data: message.data } : { kind: 'error', error: message.error }, requests };
  }
}

export function violation(error: unknown): string {
  return error instanceof ProtocolViolation || error instanceof Error ? error.message : String(error);
}
