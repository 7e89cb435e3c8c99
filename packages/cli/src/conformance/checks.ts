// The scripted sessions of `fctl-kit conformance`. Each check starts its own plugin process, plays
// the core (correctly or, on purpose, not), and judges what the plugin does against
// docs/protocol.md: `fail` where the protocol says MUST, `warn` where it says SHOULD.
import {
  CANCEL_GRACE_MS,
  findCommand,
  MAX_HTTP_REQUEST_BODY_BYTES,
  MAX_HTTP_RESPONSE_BODY_BYTES,
  NOT_STARTED_BY_FCTL_EXIT_CODE,
  preview,
  resolveFlagValues,
  type CommandSpec,
  type HttpRequest,
  type Manifest,
  type ProtocolVersion,
} from '@fctl-kit/protocol';
import { awaitAnswer, Deviation, handshake, NoAnswer, violation, type Answer, type HandshakeReply } from './conversation.js';
import { PluginSession, type PluginTarget } from './plugin-session.js';
import type { Finding } from './report.js';
import { SERVICE_ERROR, type StackServer } from './stack-server.js';

export interface CheckContext {
  target: PluginTarget;
  /** How long to wait for any one answer. */
  timeoutMs: number;
  stack: StackServer;
  /** A made-up token: v1 plugins must send it to the stack, and only there. */
  token: string;
}

/** The command the execute checks run: given by the user, or the first that needs no input. */
export interface ChosenCommand {
  path: string[];
  args: string[];
}

const SHUTDOWN_MS = 2_000;
const CREDENTIAL_HEADER = /^(authorization|proxy-authorization|cookie|api-key|x-api-key)$|token|^x-auth/i;

type Outcome = Omit<Finding, 'check' | 'version'>;
const pass = (message: string): Outcome => ({ status: 'pass', message });
const fail = (message: string): Outcome => ({ status: 'fail', message });
const warn = (message: string): Outcome => ({ status: 'warn', message });
const notApplicable = (message: string): Outcome => ({ status: 'n/a', message });

/** Runs `body` with a fresh plugin process, always stopped after; a Deviation is a failure. */
async function withSession(context: CheckContext, body: (session: PluginSession) => Promise<Outcome>, options: { handshake?: boolean } = {}): Promise<Outcome> {
  const session = new PluginSession(context.target, options);
  try {
    return await body(session);
  } catch (error) {
    if (error instanceof Deviation) return fail(error.message);
    throw error;
  } finally {
    await session.kill();
  }
}

/** Handshake at `version` (and the session message in v2), ready for executes. */
async function open(session: PluginSession, context: CheckContext, version: ProtocolVersion, http = { maxInFlight: 2 }): Promise<Manifest> {
  const reply = await handshake(session, [version], context.timeoutMs);
  if (reply.kind !== 'hello') throw new Deviation(`it refused protocol ${version}, which it accepted before`);
  if (version === 2) sendSession(session, http.maxInFlight);
  return reply.manifest;
}

function sendSession(session: PluginSession, maxInFlight: number): void {
  session.send({ type: 'session', capabilities: { http: { maxInFlight, maxRequestBodyBytes: MAX_HTTP_REQUEST_BODY_BYTES, maxResponseBodyBytes: MAX_HTTP_RESPONSE_BODY_BYTES } } });
}

let executeIds = 0;
function executeMessage(context: CheckContext, version: ProtocolVersion, manifest: Manifest, command: ChosenCommand | { path: string[]; args: string[]; flags: Record<string, unknown> }) {
  const found = findCommand(manifest, command.path);
  const flags = 'flags' in command ? command.flags : found ? resolveFlagValues(found.flags, {}) : {};
  const auth = version === 1 ? { serviceUrl: context.stack.url, accessToken: context.token, insecureSkipTlsVerify: false } : { serviceUrl: context.stack.url };
  const id = `c${++executeIds}`;
  return { type: 'execute', id, command: found?.canonicalPath ?? command.path, args: command.args, flags, output: 'json', debug: false, auth, timeoutMs: context.timeoutMs } as const;
}

/** After a refusal, the plugin must go: a non-zero exit. */
async function exitsAfterRefusal(session: PluginSession, context: CheckContext, what: string): Promise<Outcome | undefined> {
  const exit = await session.exit(context.timeoutMs);
  if (!exit) return fail(`${what}, but it did not exit within ${context.timeoutMs / 1000} s`);
  if (exit.code === 0) return fail(`${what}, then exited with status 0 (expected non-zero)`);
  return undefined;
}

// --- handshake --------------------------------------------------------------------------------

export async function checkGuard(context: CheckContext): Promise<Outcome> {
  return withSession(
    context,
    async (session) => {
      const exit = await session.exit(context.timeoutMs);
      if (!exit) return fail(`started without ${'FCTL_PLUGIN_HANDSHAKE'}, it neither spoke nor exited within ${context.timeoutMs / 1000} s (expected exit ${NOT_STARTED_BY_FCTL_EXIT_CODE})`);
      if (session.stdout.length) return fail(`started without FCTL_PLUGIN_HANDSHAKE, it wrote to stdout: ${preview(session.stdout[0]!)}`);
      if (exit.code !== NOT_STARTED_BY_FCTL_EXIT_CODE) return fail(`started without FCTL_PLUGIN_HANDSHAKE, it ${session.describeExit(exit)} (expected ${NOT_STARTED_BY_FCTL_EXIT_CODE})${session.stderrNote()}`);
      if (!session.stderrTail.some((line) => line.trim())) return fail('started without FCTL_PLUGIN_HANDSHAKE, it exited 64 without a message on stderr for the person who ran it');
      return pass(`started by hand, it explains itself on stderr and exits ${NOT_STARTED_BY_FCTL_EXIT_CODE}`);
    },
    { handshake: false },
  );
}

export interface Offers {
  outcomes: { offered: number[]; outcome: Outcome }[];
  speaks: ProtocolVersion[];
  manifest?: Manifest;
}

/** Offers [1], [2] and [1,2]: what it speaks, and whether it picks the highest common version. */
export async function checkOffers(context: CheckContext): Promise<Offers> {
  const replies = new Map<string, HandshakeReply | Deviation>();
  const offer = async (offered: number[]): Promise<Outcome> =>
    withSession(context, async (session) => {
      let reply: HandshakeReply;
      try {
        reply = await handshake(session, offered, context.timeoutMs);
      } catch (error) {
        if (error instanceof Deviation) replies.set(offered.join(','), error);
        throw error;
      }
      replies.set(offered.join(','), reply);
      if (reply.kind === 'refused') {
        const { error, protocolVersions } = reply;
        if (error.kind !== 'protocol' || error.code !== 'unsupported_protocol_version') return fail(`refused with kind ${error.kind}, code ${error.code ?? 'none'} (expected protocol, unsupported_protocol_version)`);
        if (!protocolVersions?.length) return fail('refused without the protocolVersions it speaks');
        if (offered.some((version) => protocolVersions.includes(version))) return fail(`refused ${offered.join(', ')} although it says it speaks ${protocolVersions.join(', ')}`);
        return (await exitsAfterRefusal(session, context, 'it refused')) ?? pass(`refused (it speaks ${protocolVersions.join(', ')}) and exited`);
      }
      if (reply.manifest.protocolVersion !== reply.version) return fail(`hello says protocol ${reply.version} but its manifest says ${reply.manifest.protocolVersion}`);
      return pass(`hello with protocol ${reply.version}, a valid manifest${reply.version === 2 ? ' and capabilities' : ''}`);
    });
  const outcomes = [];
  for (const offered of [[1], [2], [1, 2]]) outcomes.push({ offered, outcome: await offer(offered) });
  const accepted = (key: string) => {
    const reply = replies.get(key);
    return reply && !(reply instanceof Deviation) && reply.kind === 'hello' ? reply : undefined;
  };
  const speaks = ([1, 2] as ProtocolVersion[]).filter((version) => accepted(String(version)));
  const both = outcomes[2]!;
  const picked = accepted('1,2');
  if (both.outcome.status === 'pass') {
    const highest = speaks.length ? Math.max(...speaks) : undefined;
    if (!picked) both.outcome = fail(`offered 1 and 2 it refused both, though it accepted ${speaks.join(' and ')} alone`);
    else if (picked.version !== highest) both.outcome = fail(`offered 1 and 2 it picked ${picked.version}, not the highest common version ${highest}`);
  }
  const manifest = accepted('2')?.manifest ?? accepted('1')?.manifest;
  return { outcomes, speaks, ...(manifest ? { manifest } : {}) };
}

export async function checkUnsupported(context: CheckContext): Promise<Outcome> {
  return withSession(context, async (session) => {
    const reply = await handshake(session, [99], context.timeoutMs);
    if (reply.kind === 'hello') return fail('offered only protocol 99, it answered hello');
    if (reply.error.kind !== 'protocol' || reply.error.code !== 'unsupported_protocol_version') return fail(`refused with kind ${reply.error.kind}, code ${reply.error.code ?? 'none'} (expected protocol, unsupported_protocol_version)`);
    if (!reply.protocolVersions?.length) return fail('refused without listing the versions it speaks (protocolVersions)');
    return (await exitsAfterRefusal(session, context, 'it refused')) ?? pass('an unknown version is refused with the versions it speaks, then it exits');
  });
}

export async function checkHelloFirst(context: CheckContext): Promise<Outcome> {
  return withSession(context, async (session) => {
    session.send({ type: 'execute', id: 'early', command: ['x'], args: [], flags: {}, output: 'json', debug: false, auth: { serviceUrl: context.stack.url, insecureSkipTlsVerify: false }, timeoutMs: 1000 });
    return expectProtocolError(session, context, 'an execute before hello');
  });
}

async function expectProtocolError(session: PluginSession, context: CheckContext, what: string): Promise<Outcome> {
  const event = await session.next(context.timeoutMs);
  if (event.kind === 'exit') {
    return event.code === 1 ? warn(`after ${what} it exited 1 without the protocol error`) : fail(`after ${what} it ${session.describeExit(event)} without a protocol error${session.stderrNote()}`);
  }
  if (event.kind !== 'line') return fail(`after ${what}: no protocol error within ${context.timeoutMs / 1000} s`);
  let message: { type?: unknown; error?: { kind?: unknown } };
  try {
    message = JSON.parse(event.text) as typeof message;
  } catch {
    return fail(`after ${what} it wrote something that is not JSON: ${preview(event.text)}`);
  }
  if (message.type !== 'error' || message.error?.kind !== 'protocol') return fail(`after ${what} it answered ${preview(event.text)} (expected an error of kind protocol)`);
  const exit = await session.exit(context.timeoutMs);
  if (!exit) return fail(`after ${what} it answered a protocol error but did not exit`);
  if (exit.code !== 1) return warn(`after ${what} it answered a protocol error and exited ${exit.code ?? exit.signal} (expected 1)`);
  return pass(`${what} is answered with a protocol error, then exit 1`);
}

// --- v2 session ------------------------------------------------------------------------------

export async function checkSessionRequired(context: CheckContext): Promise<Outcome> {
  return withSession(context, async (session) => {
    const reply = await handshake(session, [2], context.timeoutMs);
    if (reply.kind !== 'hello') throw new Deviation('it refused protocol 2, which it accepted before');
    session.send(executeMessage(context, 2, reply.manifest, { path: ['conformance-no-such-command'], args: [] }));
    return expectProtocolError(session, context, 'an execute before session');
  });
}

export async function checkSessionOnce(context: CheckContext): Promise<Outcome> {
  return withSession(context, async (session) => {
    await open(session, context, 2);
    sendSession(session, 2);
    return expectProtocolError(session, context, 'a second session');
  });
}

// --- executes --------------------------------------------------------------------------------

export async function checkUnknownCommand(context: CheckContext, version: ProtocolVersion): Promise<Outcome> {
  return withSession(context, async (session) => {
    const manifest = await open(session, context, version);
    const execute = executeMessage(context, version, manifest, { path: ['conformance-no-such-command'], args: [] });
    session.send(execute);
    const { answer } = await awaitAnswer(session, version, execute.id, context.timeoutMs, refuseAll(session));
    return usageExpected(answer, 'an unknown command');
  });
}

export async function checkUnknownFlag(context: CheckContext, version: ProtocolVersion, command: ChosenCommand | undefined): Promise<Outcome> {
  if (!command) return notApplicable('no command to run without arguments (give one with --command)');
  return withSession(context, async (session) => {
    const manifest = await open(session, context, version);
    const found = findCommand(manifest, command.path)!;
    const flags = { ...resolveFlagValues(found.flags, {}), 'conformance-no-such-flag': 'x' };
    const execute = executeMessage(context, version, manifest, { ...command, flags });
    session.send(execute);
    const { answer } = await awaitAnswer(session, version, execute.id, context.timeoutMs, refuseAll(session));
    return usageExpected(answer, 'an unknown flag');
  });
}

/** Answers every http.request with a refusal: for checks whose commands have no business calling. */
const refuseAll = (session: PluginSession) => (request: HttpRequest) =>
  session.send({ type: 'http.error', id: request.id, error: { kind: 'refused', code: 'outside_prefix', message: 'the conformance check refuses every request here' } });

function usageExpected(answer: Answer, what: string): Outcome {
  if (answer.kind === 'result') return warn(`${what} got a result (expected an error of kind usage)`);
  if (answer.error.kind !== 'usage') return warn(`${what} got an error of kind ${answer.error.kind} (expected usage)`);
  return pass(`${what} is answered with a usage error`);
}

/** A request the plugin must never make: credentials, or over the session's bound. */
function requestProblems(requests: HttpRequest[], executeId: string): string[] {
  const problems: string[] = [];
  for (const request of requests) {
    if (request.execute !== executeId) problems.push(`http.request ${preview(request.id)} names execute ${preview(request.execute)}, not "${executeId}"`);
    const credential = request.headers.find(([name]) => CREDENTIAL_HEADER.test(name));
    if (credential) problems.push(`http.request ${preview(request.id)} carries the credential header ${preview(credential[0])}`);
  }
  return problems;
}

/** The command against a failing service: v1 through the loopback stack, v2 answered 503 here. */
export async function checkServiceError(context: CheckContext, version: ProtocolVersion, command: ChosenCommand | undefined): Promise<Outcome> {
  if (!command) return notApplicable('no command to run without arguments (give one with --command)');
  return withSession(context, async (session) => {
    const manifest = await open(session, context, version, { maxInFlight: 1 });
    const execute = executeMessage(context, version, manifest, command);
    context.stack.mode = 'error';
    const before = context.stack.received.length;
    let inFlight = 0;
    let overBound: string | undefined;
    session.send(execute);
    const { answer, requests } = await awaitAnswer(session, version, execute.id, context.timeoutMs, (request) => {
      if (++inFlight > 1) overBound ??= `it had ${inFlight} http.request in flight with maxInFlight 1`;
      // Answered a little later, so that a plugin ignoring the bound shows it.
      setTimeout(() => {
        inFlight--;
        session.send({ type: 'http.response', id: request.id, status: 503, headers: [['content-type', 'application/json']], body: { encoding: 'utf8', data: JSON.stringify(SERVICE_ERROR) } });
      }, 50);
    });
    const problems = [...(overBound ? [overBound] : []), ...requestProblems(requests, execute.id)];
    if (version === 1) {
      const sent = context.stack.received.slice(before);
      const unauthenticated = sent.find((request) => request.authorization !== `Bearer ${context.token}`);
      if (unauthenticated) problems.push(`its request ${unauthenticated.method} ${preview(unauthenticated.url)} did not carry auth.accessToken as a bearer token`);
    }
    if (problems.length) return fail(problems.join('; '));
    const made = version === 2 ? requests.length : context.stack.received.length - before;
    const path = command.path.join(' ');
    if (answer.kind === 'result') return pass(`"${path}" answered a result${made ? ` after ${made} request(s) answered 503` : ''}`);
    if (answer.error.kind === 'internal') return warn(`"${path}" answered kind internal to a 503 from the service (expected service or unavailable: a failing service is not a plugin bug)`);
    return pass(`"${path}" answered kind ${answer.error.kind} to a 503 from the service`);
  });
}

/** v2: each http.request answered with `error`; the plugin must answer its execute, not crash or hang. */
export async function checkHttpError(
  context: CheckContext,
  command: ChosenCommand | undefined,
  error: { kind: 'refused' | 'unavailable'; code: string; message: string },
  expectedKind: string,
): Promise<Outcome> {
  if (!command) return notApplicable('no command to run without arguments (give one with --command)');
  return withSession(context, async (session) => {
    const manifest = await open(session, context, 2);
    const execute = executeMessage(context, 2, manifest, command);
    session.send(execute);
    const { answer, requests } = await awaitAnswer(session, 2, execute.id, context.timeoutMs, (request) => session.send({ type: 'http.error', id: request.id, error }));
    if (!requests.length) return notApplicable(`"${command.path.join(' ')}" made no brokered request`);
    const problems = requestProblems(requests, execute.id);
    if (problems.length) return fail(problems.join('; '));
    if (answer.kind === 'result') return warn(`a request answered http.error ${error.kind} still gave a result`);
    if (answer.error.kind !== expectedKind) return warn(`http.error ${error.kind} became an error of kind ${answer.error.kind} (expected ${expectedKind})`);
    if (answer.error.code !== error.code) return warn(`http.error ${error.kind} became kind ${expectedKind} but lost its code ${error.code}`);
    return pass(`http.error ${error.kind} (${error.code}) becomes an error of kind ${expectedKind} with its code`);
  });
}

/**
 * Cancel while the plugin waits on the network (v1: the stack holds its request; v2: its
 * http.request is held, then answered cancelled as fctl does): the answer must come within the
 * grace period after which fctl kills it, and should be of kind cancelled.
 */
export async function checkCancel(context: CheckContext, version: ProtocolVersion, command: ChosenCommand | undefined): Promise<Outcome> {
  if (!command) return notApplicable('no command to run without arguments (give one with --command)');
  const cancelled = (id: string) => ({ type: 'http.error', id, error: { kind: 'cancelled', code: 'cancelled', message: 'the command was cancelled' } });
  return withSession(context, async (session) => {
    const manifest = await open(session, context, version);
    const execute = executeMessage(context, version, manifest, command);
    context.stack.mode = 'hold';
    try {
      session.send(execute);
      const waiting = await waitForNetwork(session, context, version);
      if (waiting === 'answered') return notApplicable('it answered before it could be cancelled');
      session.send({ type: 'cancel', id: execute.id, reason: 'interrupted by the user' });
      if (waiting !== 'stack' && waiting !== 'idle') session.send(cancelled(waiting));
      let answer: Answer;
      try {
        ({ answer } = await awaitAnswer(session, version, execute.id, CANCEL_GRACE_MS, (request) => session.send(cancelled(request.id))));
      } catch (error) {
        if (error instanceof NoAnswer) return fail(`no answer within ${CANCEL_GRACE_MS / 1000} s of cancel (fctl kills it then)`);
        throw error;
      }
      const where = waiting === 'idle' ? 'cancelled' : 'cancelled while waiting on the network';
      if (answer.kind === 'result') return warn(`${where}, it still answered a result`);
      if (answer.error.kind !== 'cancelled') return warn(`${where}, it answered kind ${answer.error.kind} (expected cancelled)`);
      return pass(`${where}, it answers kind cancelled within ${CANCEL_GRACE_MS / 1000} s`);
    } finally {
      context.stack.mode = 'error';
    }
  });
}

/** Resolves once the plugin waits on the network: the id of its http.request (v2), 'stack' (v1). */
async function waitForNetwork(session: PluginSession, context: CheckContext, version: ProtocolVersion): Promise<string | 'answered' | 'idle'> {
  if (version === 2) {
    const event = await session.next(context.timeoutMs);
    if (event.kind !== 'line') throw new Deviation(event.kind === 'exit' ? `it ${session.describeExit(event)} while executing${session.stderrNote()}` : 'no http.request or answer in time');
    let message: { type?: string; id?: string };
    try {
      message = JSON.parse(event.text) as typeof message;
    } catch {
      throw new Deviation(`it wrote something that is not JSON: ${preview(event.text)}`);
    }
    if (message.type === 'http.request' && typeof message.id === 'string') return message.id;
    return 'answered';
  }
  const before = context.stack.received.length;
  for (const started = Date.now(); Date.now() - started < 1_000; ) {
    if (context.stack.received.length > before) return 'stack';
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return 'idle';
}

// --- shutdown --------------------------------------------------------------------------------

export async function checkEof(context: CheckContext, version: ProtocolVersion, during?: ChosenCommand): Promise<Outcome> {
  return withSession(context, async (session) => {
    const manifest = await open(session, context, version);
    if (during) {
      context.stack.mode = 'hold';
      session.send(executeMessage(context, version, manifest, during));
      await waitForNetwork(session, context, version).catch(() => undefined);
    }
    session.closeStdin();
    const exit = await session.exit(SHUTDOWN_MS);
    context.stack.mode = 'error';
    const when = during ? 'with an execute in flight' : 'idle';
    if (!exit) return fail(`${when}, it did not exit within ${SHUTDOWN_MS / 1000} s of the end of its stdin`);
    if (exit.code !== 0) return fail(`${when}, at the end of its stdin it ${session.describeExit(exit)} (expected 0)${session.stderrNote()}`);
    return pass(`${when}, it exits 0 at the end of its stdin`);
  });
}

// --- hostile core lines ----------------------------------------------------------------------

/** Lines a broken core might send after the handshake; a plugin should refuse each, not guess. */
export const HOSTILE_CORE_LINES: { name: string; line: string; versions: ProtocolVersion[] }[] = [
  { name: 'not JSON', line: '{"type":"execute",', versions: [1, 2] },
  { name: 'not an object', line: '[1,2,3]', versions: [1, 2] },
  { name: 'an unknown type', line: '{"type":"shutdown"}', versions: [1, 2] },
  { name: 'an execute with an empty command', line: '{"type":"execute","id":"1","command":[],"args":[],"flags":{},"output":"json","debug":false,"auth":{"serviceUrl":"http://127.0.0.1:9"},"timeoutMs":1000}', versions: [2] },
  { name: 'a v2 execute carrying a token', line: '{"type":"execute","id":"1","command":["x"],"args":[],"flags":{},"output":"json","debug":false,"auth":{"serviceUrl":"http://127.0.0.1:9","accessToken":"t"},"timeoutMs":1000}', versions: [2] },
  { name: 'a cancel without reason', line: '{"type":"cancel","id":"1"}', versions: [1, 2] },
];

export async function checkHostileLine(context: CheckContext, version: ProtocolVersion, hostile: (typeof HOSTILE_CORE_LINES)[number]): Promise<Outcome> {
  const outcome = await withSession(context, async (session) => {
    await open(session, context, version);
    session.sendRaw(hostile.line);
    return expectProtocolError(session, context, hostile.name);
  });
  // Refusing is what the protocol asks (unknown fields are not allowed); a plugin that carries on
  // is lenient, not broken, unless it crashed.
  return outcome.status === 'fail' && !/exited|killed/.test(outcome.message) ? warn(outcome.message) : outcome;
}

export { violation };

/** The first command that runs without arguments or required flags, depth first. */
export function firstRunnableCommand(manifest: Manifest): ChosenCommand | undefined {
  const visit = (commands: CommandSpec[], path: string[]): ChosenCommand | undefined => {
    for (const command of commands) {
      if (command.hidden) continue;
      const here = [...path, command.use];
      if (command.commands?.length) {
        const found = visit(command.commands, here);
        if (found) return found;
        continue;
      }
      const found = findCommand(manifest, here)!;
      if ((command.args?.min ?? 0) === 0 && !found.flags.some((flag) => flag.required)) return { path: here, args: [] };
    }
    return undefined;
  };
  return visit(manifest.commands, []);
}

/** `--command "transactions get 42"`: the longest command path of the manifest, the rest arguments. */
export function parseCommand(manifest: Manifest, words: string[]): ChosenCommand {
  for (let length = words.length; length > 0; length--) {
    const found = findCommand(manifest, words.slice(0, length));
    if (found && !found.command.commands?.length) return { path: found.canonicalPath, args: words.slice(length) };
  }
  throw new Error(`--command ${JSON.stringify(words.join(' '))} names no command of the plugin's manifest`);
}
