// What parsing a command line against a manifest yields: the command the user selected and what they gave.
import type { CommandSpec, FlagValue, Manifest } from '@fctl-kit/protocol';

export interface Invocation {
  /** Canonical command path below the service, e.g. ["transactions", "list"]. */
  path: string[];
  spec: CommandSpec;
  args: string[];
  /** Values the user gave on the command line (defaults are applied later). */
  given: Record<string, FlagValue>;
  /** Deprecated flags the user gave, with their messages. */
  deprecatedFlags: string[];
}

/**
 * Parses the command line against `manifest` (the front end's parser: commander in the CLI); the
 * invocation, or undefined when the command line asked for help and it was shown. Called again
 * when the run path learns a newer manifest.
 */
export type ParseCommandLine = (manifest: Manifest) => Promise<Invocation | undefined>;
