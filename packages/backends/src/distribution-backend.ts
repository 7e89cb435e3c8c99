// The one type of a distribution backend. Each backend is one module, src/<kind>/, whose backend.ts
// exports one object of this type; src/generated/backends.ts lists them (written by `npm run
// schemas` from the directories, never by hand), and everything else is derived from that list:
// `fctl-kit publish`'s flags, the release section of fctl-plugin.json, the registry's `sources`,
// the Nx generator's options, and where fctl downloads from.
//
// Publishing is inspect (read what the target holds) -> plan (pure: every upload, skip and refusal,
// and why) -> apply (the only writes: exactly the plan's actions). `--dry-run` prints the plan.
import type { TSchema } from '@sinclair/typebox';
import type { ArtifactEntry, Platform } from '@fctl-kit/artifacts';

/**
 * Where a registry says the files of a release are: `backend` names the backend, the other fields
 * are that backend's (its source schema says which). Untrusted: it comes from the registry.
 */
export interface RegistrySource {
  backend: string;
  [field: string]: unknown;
}

/** One entry of a release section's `backends` (or `fctl-kit publish`'s flags): where to publish. */
export interface PublishConfig {
  backend: string;
  [field: string]: unknown;
}

/** The release one download is for. */
export interface ReleaseRef {
  name: string;
  version: string;
  platform: Platform;
}

export interface OpenedFile {
  body: AsyncIterable<Uint8Array>;
  /** Announced size, when the source knows it (Content-Length, file size). */
  size?: number;
  /** Releases the source when the body is not read to its end (an unread HTTP body holds its connection). */
  close?: () => Promise<void>;
}

/** The files of one release at one source. */
export interface SourceFiles {
  /** Where `file` comes from, for messages and --debug: never carries credentials. */
  describe(file: string): string;
  /** Opens `file` for one attempt; throws a DownloadError. */
  open(file: string, signal: AbortSignal): Promise<OpenedFile>;
}

export class DownloadError extends Error {
  override name = 'DownloadError';
  constructor(
    message: string,
    /** Worth another attempt: 5xx, 429, a reset, a truncated or stalled body. */
    readonly transient: boolean,
    /** From Retry-After, when the server sent one. */
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
}

/** A build directory about to be published: its identity and its typed, hashed files (artifacts.json). */
export interface ReleaseArtifacts {
  dir: string;
  name: string;
  version: string;
  service?: string;
  compatibleWith?: string;
  /** Every file to publish, in publication order (checksums.txt and what signs it last). */
  files: Array<ArtifactEntry & { size: number; sha256: string }>;
}

export interface PublishAction {
  /** A file of the release, or a step of the backend's own ("draft", "tag", "publish"). */
  subject: string;
  /** `remove`: something of the backend's own that is cleared away (a staging directory a killed publish left), never a published file. */
  action: 'upload' | 'replace' | 'create' | 'finish' | 'skip' | 'remove';
  bytes: number;
  /** Why: for a skip, what is already there; for a backend step, what it does. */
  reason?: string;
}

export interface PublishPlan<Config extends PublishConfig = PublishConfig, State = unknown> {
  backend: string;
  config: Config;
  release: ReleaseArtifacts;
  /** What inspect read, for apply (e.g. a draft's id). */
  state: State;
  /** Where the release will live, for messages (no credentials). */
  location: string;
  /** What the registry records for this release at this backend. */
  source: RegistrySource;
  actions: PublishAction[];
  /** Why the release cannot be published here (e.g. the target holds other bytes); apply refuses when any. */
  refusals: string[];
}

export interface PublishOutcome {
  backend: string;
  location: string;
  source: RegistrySource;
  /** What apply did: equal to the plan's actions unless a racing publish changed the target (then apply fails). */
  actions: PublishAction[];
  bytesUploaded: number;
}

export interface PublishContext {
  env: NodeJS.ProcessEnv;
  /** A token for backends that take one (GitHub), never printed. */
  token?: string;
  /** Called just before each file is uploaded, for progress on a terminal. */
  onUpload?: (file: string, bytes: number) => void;
  signal?: AbortSignal;
}

/** A flag of `fctl-kit publish` (and an option of the Nx generator) that sets one field of the config. */
export interface BackendFlag {
  /** The config field, e.g. "to"; the flag is its kebab-case, --to, --public-base. */
  field: string;
  /** Placeholder in help, e.g. "location". */
  value: string;
  description: string;
  required?: boolean;
  /**
   * A local path, resolved from the working directory (publish) or the plugin directory (release
   * section); a value with a URL scheme (https://...) is kept as written.
   */
  path?: boolean;
}

export interface BackendSchemas {
  /** An entry of fctl-plugin.json's release.backends, with `backend` the literal kind. */
  config: TSchema;
  /** An entry of a registry version's `sources`, with `backend` the literal kind. */
  source: TSchema;
}

export interface Backend<Config extends PublishConfig = PublishConfig, Source extends RegistrySource = RegistrySource, State = unknown> {
  /** The name in release sections, registries and `--backend`. */
  kind: string;
  /** One line for `fctl-kit publish --help` and the generator's prompt. */
  summary: string;
  flags: BackendFlag[];
  /** TypeBox schemas, loaded only by tools and fctl-kit (never by fctl at start-up). */
  schemas(): Promise<BackendSchemas>;
  /**
   * A config from flag or option values (already checked against `flags`' required), local paths
   * resolved from `base`.
   */
  configFrom(values: Record<string, string>, base: string): Config;
  /** Reads what the target already holds for this release; writes nothing. */
  inspect(config: Config, release: ReleaseArtifacts, context: PublishContext): Promise<State>;
  /** Pure: what apply will do, and why. */
  plan(config: Config, release: ReleaseArtifacts, state: State): PublishPlan<Config, State>;
  /** The only writes: the plan's actions, refusing a plan with refusals, failing when a racing publish changed the target. */
  apply(plan: PublishPlan<Config, State>, context: PublishContext): Promise<PublishOutcome>;
  /** Whether a registry source points at what `config` publishes to (release checks the registry with it). */
  publishesTo(config: Config, source: Source): boolean;
  /** The download side: the files of `release` at `source`. `source` is untrusted (from a registry). */
  files(source: Source, release: ReleaseRef, env: NodeJS.ProcessEnv): SourceFiles;
}
