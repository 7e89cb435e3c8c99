// `fctl-kit inspect`: start a plugin exactly as fctl does, validate its handshake and manifest,
// and print the manifest.
import { resolve } from 'node:path';
import { PluginProcess } from '@fctl-kit/core';
import type { Manifest } from '@fctl-kit/protocol';

export async function inspectPlugin(path: string, debug?: (line: string) => void): Promise<{ manifest: Manifest; protocolVersion: number }> {
  const file = resolve(path);
  const plugin = await PluginProcess.start({ plugin: { name: 'unknown', path: file }, coreVersion: 'fctl-kit', debug, onStderrLine: debug });
  await plugin.close();
  return { manifest: plugin.manifest, protocolVersion: plugin.protocolVersion };
}
