// Finding a command in a manifest, apart from checkManifest (manifest.ts), which needs semver: a plugin
// finds the command of each execute and never checks its own manifest.
import type { CommandSpec, FlagSpec, Manifest } from './schema.js';

/** The command at `path` (canonical names or aliases) and the flags visible there. */
export function findCommand(
  manifest: Manifest,
  path: readonly string[],
): { command: CommandSpec; canonicalPath: string[]; flags: FlagSpec[] } | undefined {
  let commands = manifest.commands;
  const flags: FlagSpec[] = [...(manifest.flags ?? [])];
  const canonicalPath: string[] = [];
  let found: CommandSpec | undefined;
  for (const [index, name] of path.entries()) {
    found = commands.find((c) => c.use === name || c.aliases?.includes(name));
    if (!found) return undefined;
    canonicalPath.push(found.use);
    const isLast = index === path.length - 1;
    flags.push(...(found.flags ?? []).filter((f) => isLast || f.persistent));
    commands = found.commands ?? [];
  }
  return found ? { command: found, canonicalPath, flags } : undefined;
}
