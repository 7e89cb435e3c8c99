// Asks a built plugin, through the protocol handshake, for its manifest (to check what it reports)
// and for the protocol versions it speaks (what a release records in the registry).
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import {
  checkManifest,
  decodePluginHandshake,
  HANDSHAKE_ENV,
  HANDSHAKE_VALUE,
  KNOWN_PROTOCOL_VERSIONS,
  preview,
  SUPPORTED_PROTOCOL_VERSIONS,
  type Manifest,
  type PluginError,
  type PluginHello,
} from '@fctl-kit/protocol';

/** One handshake: the plugin's first line, decoded as the version it names (a hello), or its refusal. */
async function handshake(command: string, args: string[], offered: number[], timeoutMs: number): Promise<PluginHello | PluginError> {
  const child = spawn(command, args, { env: { PATH: process.env.PATH ?? '', [HANDSHAKE_ENV]: HANDSHAKE_VALUE }, stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
  child.stdin.on('error', () => {});
  child.stdin.write(`${JSON.stringify({ type: 'hello', protocolVersions: offered, core: { name: 'fctl-kit', version: 'build' } })}\n`);
  try {
    const line = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no handshake within ${timeoutMs} ms`)), timeoutMs);
      child.on('error', reject);
      // 'close', not 'exit': a plugin that refuses writes its line and exits at once; its stdout is read first.
      child.on('close', (code) => reject(new Error(`exited with ${code} before the handshake: ${stderr.trim()}`)));
      createInterface({ input: child.stdout }).once('line', (first) => {
        clearTimeout(timer);
        resolve(first);
      });
    });
    // The plugin may pick any version offered (a v2 hello carries capabilities): each is checked
    // against the version it names; the manifest is the same in both.
    const message = decodePluginHandshake(line) as PluginHello | PluginError;
    if (message.type === 'hello' && !offered.includes(message.protocolVersion)) throw new Error(`picked protocol version ${message.protocolVersion}, which fctl-kit did not offer (${offered.join(', ')})`);
    return message;
  } finally {
    child.stdin.end();
    child.kill();
  }
}

export async function readManifest(command: string, args: string[] = [], timeoutMs = 30_000): Promise<Manifest> {
  const message = await handshake(command, args, [...SUPPORTED_PROTOCOL_VERSIONS], timeoutMs);
  if (message.type !== 'hello') throw new Error(`answered the handshake with "${message.type}": ${preview(message.error.message)}`);
  return checkManifest(message.manifest);
}

/**
 * The protocol versions a plugin speaks, ascending: each version fctl-kit knows offered alone, the
 * ones it accepts. (A hello names only the version picked from an offer.) A version newer than this
 * fctl-kit knows cannot be checked, so it is not listed; a plugin accepting none is an error.
 */
export async function readProtocolVersions(command: string, args: string[] = [], timeoutMs = 30_000): Promise<number[]> {
  const replies = await Promise.all(KNOWN_PROTOCOL_VERSIONS.map(async (version) => ({ version, reply: await handshake(command, args, [version], timeoutMs) })));
  const speaks = replies.filter(({ reply }) => reply.type === 'hello').map(({ version }) => version);
  if (speaks.length) return speaks.sort((a, b) => a - b);
  const says = replies.flatMap(({ reply }) => (reply.type === 'error' && reply.protocolVersions?.length ? [reply.protocolVersions.join(', ')] : []))[0];
  throw new Error(`speaks none of the protocol versions fctl-kit knows (${KNOWN_PROTOCOL_VERSIONS.join(', ')})${says ? `: it says it speaks ${says}` : ''}`);
}
