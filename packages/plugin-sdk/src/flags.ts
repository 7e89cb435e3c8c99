// Flag builders whose value types flow into command handlers.
import type { FlagSpec, FlagType } from '@fctl-kit/protocol';

/** A flag definition; `T` is the value type the handler receives. */
export interface FlagDef<T> {
  readonly spec: Omit<FlagSpec, 'name' | 'persistent'>;
  /** Type-level only. */
  readonly __value?: T;
}

export type FlagDefs = Record<string, FlagDef<unknown>>;
export type FlagValues<F extends FlagDefs> = { [K in keyof F]: F[K] extends FlagDef<infer T> ? T : never };

interface Common {
  description: string;
  shorthand?: string;
  hidden?: boolean;
  deprecated?: string;
}
interface Choices {
  enum?: readonly string[];
}

const define = <T>(type: FlagType, options: Common & Choices & { default?: unknown; required?: boolean }): FlagDef<T> => ({
  spec: {
    type,
    ...options,
    enum: options.enum ? [...options.enum] : undefined,
    default: options.default as FlagSpec['default'],
  },
});

function string(options: Common & Choices & { default: string }): FlagDef<string>;
function string(options: Common & Choices & { required: true }): FlagDef<string>;
function string(options: Common & Choices): FlagDef<string | undefined>;
function string(options: Common & Choices & { default?: string; required?: boolean }) {
  return define('string', options);
}

function int(options: Common & { default: number }): FlagDef<number>;
function int(options: Common & { required: true }): FlagDef<number>;
function int(options: Common): FlagDef<number | undefined>;
function int(options: Common & { default?: number; required?: boolean }) {
  if (options.default !== undefined && !Number.isSafeInteger(options.default)) {
    throw new TypeError(`int flag default must be a safe integer, got ${options.default}`);
  }
  return define('int', options);
}

/** A switch: false unless given (or its default). */
function bool(options: Common & { default?: boolean }): FlagDef<boolean> {
  return define('bool', { ...options, default: options.default ?? false });
}

/** Repeatable (`--tag a --tag b`) or comma-separated (`--tag a,b`); [] when absent. */
function stringList(options: Common & Choices & { default?: readonly string[]; required?: boolean }): FlagDef<string[]> {
  return define('stringList', { ...options, default: options.required ? undefined : [...(options.default ?? [])] });
}

export const flag = { string, int, bool, stringList };
