// The plugin definition: a tree of groups and commands built with typed flags.
import type { ArgsSpec, AuthContext, CommandSpec, Display, FlagSpec, Manifest, OutputFormat } from '@fctl-kit/protocol';
import { SUPPORTED_PROTOCOL_VERSIONS } from '@fctl-kit/protocol';
import type { FlagDefs, FlagValues } from './flags.js';
import type { HttpClient } from './http.js';

declare const __FCTL_PLUGIN_VERSION__: string | undefined;

/** The version injected at build time from the service version; "dev" when run from source. */
export const pluginVersion: string = typeof __FCTL_PLUGIN_VERSION__ === 'string' ? __FCTL_PLUGIN_VERSION__ : 'dev';

export interface Logger {
  /** Written to stderr only when fctl runs with --debug. */
  debug(message: string): void;
  /** Always written to stderr (fctl shows it with --debug, and in crash reports). */
  info(message: string): void;
}

export interface CommandContext<V> {
  flags: V;
  args: string[];
  /**
   * Where and as whom: the stack URL and ids. Under protocol v2 it holds no token (fctl adds the
   * credentials to each request of `http`) and `insecureSkipTlsVerify` is false (fctl applies it).
   */
  auth: AuthContext;
  /** Requests to the stack: brokered by fctl (protocol v2) or made with the token (v1); see docs/sdk.md. */
  http: HttpClient;
  output: OutputFormat;
  debug: boolean;
  /** Aborted when the user presses Ctrl-C or fctl gives up waiting. */
  signal: AbortSignal;
  log: Logger;
}

export type Handler<V> = (context: CommandContext<V>) => unknown | Promise<unknown>;

export interface CommandOptions<F extends FlagDefs, V> {
  use: string;
  aliases?: string[];
  short: string;
  long?: string;
  examples?: string[];
  flags?: F;
  args?: ArgsSpec;
  confirm?: string;
  hidden?: boolean;
  deprecated?: string;
  display?: Display;
  run: Handler<V>;
}

export interface GroupOptions<F extends FlagDefs> {
  use: string;
  aliases?: string[];
  short: string;
  long?: string;
  hidden?: boolean;
  deprecated?: string;
  /** Persistent: accepted by every command below this group. */
  flags?: F;
}

export interface PluginOptions<F extends FlagDefs> {
  name: string;
  /** Defaults to name. */
  service?: string;
  description: string;
  repository?: string;
  issues?: string;
  /** npm semver range of service versions this plugin supports. */
  compatibleWith?: string;
  /** Persistent: accepted by every command of the plugin. */
  flags?: F;
  /**
   * The protocol versions this plugin speaks (default: every version the SDK speaks). `[1]` keeps a
   * plugin on v1, e.g. one that makes its own HTTP requests with the token; fctl-kit release records
   * what the build accepts, and fctl skips versions speaking none of its own.
   */
  protocolVersions?: readonly number[];
}

interface Node {
  spec: Omit<CommandSpec, 'commands'>;
  children: Node[];
  handler?: Handler<never>;
}

const toFlagSpecs = (flags: FlagDefs | undefined, persistent: boolean): FlagSpec[] | undefined => {
  const entries = Object.entries(flags ?? {});
  if (!entries.length) return undefined;
  return entries.map(([name, def]) => clean({ name, ...def.spec, ...(persistent ? { persistent: true } : {}) }) as FlagSpec);
};

function clean<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

/** A level of the command tree; `I` is the type of the persistent flags inherited from above. */
export class Group<I> {
  /** @internal */
  readonly children: Node[] = [];

  group<F extends FlagDefs = {}>(options: GroupOptions<F>): Group<I & FlagValues<F>> {
    const { flags, ...rest } = options;
    const child = new Group<I & FlagValues<F>>();
    this.children.push({
      spec: clean({ ...rest, flags: toFlagSpecs(flags, true) }),
      children: child.children,
    });
    return child;
  }

  command<F extends FlagDefs = {}>(options: CommandOptions<F, I & FlagValues<F>>): this {
    const { flags, run, ...rest } = options;
    this.children.push({ spec: clean({ ...rest, flags: toFlagSpecs(flags, false) }), children: [], handler: run as Handler<never> });
    return this;
  }
}

export interface ResolvedCommand {
  handler: Handler<Record<string, unknown>>;
  flags: FlagSpec[];
}

/** A plugin: its manifest and its handlers. Build it with createPlugin(), run it with serve(). */
export class Plugin<I> extends Group<I> {
  readonly protocolVersions: readonly number[];

  constructor(private readonly options: PluginOptions<FlagDefs>) {
    super();
    this.protocolVersions = spokenVersions(options.protocolVersions);
  }

  get name(): string {
    return this.options.name;
  }

  manifest(protocolVersion: number): Manifest {
    const toSpec = (node: Node): CommandSpec =>
      clean({ ...node.spec, commands: node.children.length ? node.children.map(toSpec) : undefined });
    const { flags, service, protocolVersions: _spoken, ...rest } = this.options;
    return clean({
      ...rest,
      service: service ?? rest.name,
      version: pluginVersion,
      protocolVersion,
      flags: toFlagSpecs(flags, true),
      commands: this.children.map(toSpec),
    }) as Manifest;
  }

  /** The handler at a canonical command path, or undefined. */
  resolve(path: readonly string[]): Handler<Record<string, unknown>> | undefined {
    let nodes = this.children;
    let found: Node | undefined;
    for (const name of path) {
      found = nodes.find((node) => node.spec.use === name);
      if (!found) return undefined;
      nodes = found.children;
    }
    return found?.handler as Handler<Record<string, unknown>> | undefined;
  }
}

function spokenVersions(wanted: readonly number[] | undefined): readonly number[] {
  if (wanted === undefined) return SUPPORTED_PROTOCOL_VERSIONS;
  if (!Array.isArray(wanted) || wanted.length === 0 || !wanted.every((v) => SUPPORTED_PROTOCOL_VERSIONS.includes(v))) {
    throw new TypeError(`createPlugin: protocolVersions must list versions this SDK speaks (${SUPPORTED_PROTOCOL_VERSIONS.join(', ')}); got ${JSON.stringify(wanted)}`);
  }
  return [...new Set(wanted)].sort((a, b) => a - b);
}

export function createPlugin<F extends FlagDefs = {}>(options: PluginOptions<F>): Plugin<FlagValues<F>> {
  return new Plugin<FlagValues<F>>(options);
}
