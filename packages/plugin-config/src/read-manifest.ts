// Asks a built plugin for its manifest, through the protocol handshake, to check what it reports.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { checkManifest, decodePluginHandshake, HANDSHAKE_ENV, HANDSHAKE_VALUE, preview, SUPPORTED_PROTOCOL_VERSIONS, type Manifest } from '@fctl-kit/protocol';

export async function readManifest(command: string, args: string[] = [], timeoutMs = 30_000): Promise<Manifest> {
  const child = spawn(command, args, { env: { PATH: process.env.PATH ?? '', [HANDSHAKE_ENV]: HANDSHAKE_VALUE }, stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
  child.stdin.on('error', () => {});
  const offered = [...SUPPORTED_PROTOCOL_VERSIONS];
  child.stdin.write(`${JSON.stringify({ type: 'hello', protocolVersions: offered, core: { name: 'fctl-kit', version: 'build' } })}\n`);
  try {
    const line = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no handshake within ${timeoutMs} ms`)), timeoutMs);
      child.on('error', reject);
      child.on('exit', (code) => reject(new Error(`exited with ${code} before the handshake: ${stderr.trim()}`)));
      createInterface({ input: child.stdout }).once('line', (first) => {
        clearTimeout(timer);
        resolve(first);
      });
    });
    // The plugin may pick any version offered (a v2 hello carries capabilities): each is checked
    // against the version it names; the manifest is the same in both.
    const message = decodePluginHandshake(line);
    if (message.type !== 'hello') throw new Error(`answered the handshake with "${message.type}": ${preview(message.error.message)}`);
    if (!offered.includes(message.protocolVersion)) throw new Error(`picked protocol version ${message.protocolVersion}, which fctl-kit did not offer (${offered.join(', ')})`);
    return checkManifest(message.manifest);
  } finally {
    child.stdin.end();
    child.kill();
  }
}
