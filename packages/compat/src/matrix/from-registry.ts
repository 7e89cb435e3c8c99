// The planner's plugin input from a loaded registry document. The registry does not record the
// protocol versions a release speaks yet (issue 15 item 1): a version entry's `protocolVersions`
// (a list of integers) and `retired` are read when a newer schema has them, and `protocols` supplies
// them otherwise (e.g. from the releases' manifests); without either, the planner's
// `unknownProtocols` decides.
import type { RegistryDocument } from '@fctl-kit/registry';
import { PlanError, type PluginInput, type PluginVersionInput } from './plan.js';
import { quoteInput } from './escape.js';

export interface FromRegistryOptions {
  /** Only this plugin (a plugin's own gate). */
  plugin?: string;
  protocols?: (plugin: string, version: string) => readonly number[] | undefined;
}

export function pluginsFromRegistry(document: RegistryDocument, options: FromRegistryOptions = {}): PluginInput[] {
  const names = Object.keys(document.plugins);
  if (options.plugin !== undefined && !Object.hasOwn(document.plugins, options.plugin)) {
    throw new PlanError(`the registry has no plugin ${quoteInput(options.plugin)}`);
  }
  return names
    .filter((name) => options.plugin === undefined || name === options.plugin)
    .map((name) => ({
      name,
      versions: Object.entries(document.plugins[name]!.versions).map(([version, entry]): PluginVersionInput => {
        const future = entry as { protocolVersions?: unknown; retired?: unknown };
        const protocolVersions = Array.isArray(future.protocolVersions) ? (future.protocolVersions as number[]) : options.protocols?.(name, version);
        return {
          version,
          compatibleWith: entry.compatibleWith,
          ...(entry.deprecated !== undefined ? { deprecated: entry.deprecated } : {}),
          ...(typeof future.retired === 'string' || typeof future.retired === 'boolean' ? { retired: future.retired } : {}),
          ...(protocolVersions !== undefined ? { protocolVersions } : {}),
        };
      }),
    }));
}
