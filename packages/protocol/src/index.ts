export * from './constants.js';
// Types only: the TypeBox schema objects (src/schema.ts) are for the generators and tests, so that
// neither fctl nor a plugin loads them at run time.
export type {
  ArgsSpec,
  AuthContext,
  Cancel,
  Column,
  CommandSpec,
  CoreHello,
  CoreMessage,
  Display,
  ErrorBody,
  ErrorKind,
  Execute,
  Field,
  FlagSpec,
  FlagType,
  FlagValue,
  Format,
  Manifest,
  OutputFormat,
  PluginError,
  PluginHello,
  PluginMessage,
  Result,
  Section,
} from './schema.js';
export type {
  AuthContextV2,
  CoreMessageV2,
  ExecuteV2,
  HttpBody,
  HttpError,
  HttpErrorBody,
  HttpErrorKind,
  HttpHeaders,
  HttpRequest,
  HttpResponse,
  PluginHelloV2,
  PluginMessageV2,
  Session,
} from './schema-v2.js';
export * from './http-limits.js';
export * from './http-checks.js';
export * from './negotiate.js';
export * from './validate-for-version.js';
export * from './json-path.js';
export * from './validate.js';
export * from './schema-errors.js';
export * from './manifest.js';
export * from './find-command.js';
export * from './lines.js';
export * from './flag-values.js';
export * from './json-depth.js';
export * from './terminal-text.js';
