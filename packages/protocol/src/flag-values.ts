// Checks typed flag values against the flags a command accepts and fills in defaults.
// The core uses it after parsing the command line; the SDK uses it on every execute.
import type { FlagSpec, FlagValue } from './schema.js';

export class FlagValueError extends Error {
  override name = 'FlagValueError';
}

function checkValue(flag: FlagSpec, value: unknown): FlagValue {
  const fail = (expected: string): never => {
    throw new FlagValueError(`flag --${flag.name} expects ${expected}, got ${JSON.stringify(value)}`);
  };
  switch (flag.type) {
    case 'string':
      if (typeof value !== 'string') fail('a string');
      break;
    case 'bool':
      if (typeof value !== 'boolean') fail('true or false');
      break;
    case 'int':
      if (typeof value !== 'number' || !Number.isSafeInteger(value)) fail('an integer');
      break;
    case 'stringList':
      if (!Array.isArray(value) || value.some((item) => typeof item !== 'string')) fail('a list of strings');
      break;
  }
  if (flag.enum) {
    for (const item of Array.isArray(value) ? value : [value]) {
      if (!flag.enum.includes(item as string)) {
        throw new FlagValueError(`flag --${flag.name} must be one of ${flag.enum.join(', ')}; got ${JSON.stringify(item)}`);
      }
    }
  }
  return value as FlagValue;
}

/** Every accepted flag with its value or default (flags without either are left out). */
export function resolveFlagValues(accepted: readonly FlagSpec[], given: Record<string, unknown>): Record<string, FlagValue> {
  const byName = new Map(accepted.map((flag) => [flag.name, flag]));
  for (const name of Object.keys(given)) {
    if (!byName.has(name)) throw new FlagValueError(`unknown flag --${name}`);
  }
  const values: Record<string, FlagValue> = {};
  for (const flag of accepted) {
    const value = given[flag.name];
    if (value !== undefined) values[flag.name] = checkValue(flag, value);
    else if (flag.required) throw new FlagValueError(`required flag --${flag.name} is missing`);
    else if (flag.default !== undefined) values[flag.name] = flag.default;
  }
  return values;
}

/** Checks the number of positional arguments against the command's constraint. */
export function checkArgCount(args: readonly string[], constraint: { min: number; max?: number } | undefined): void {
  const min = constraint?.min ?? 0;
  const max = constraint ? constraint.max : 0;
  if (args.length < min) {
    throw new FlagValueError(`expects at least ${min} argument${min === 1 ? '' : 's'}, got ${args.length}`);
  }
  if (max !== undefined && args.length > max) {
    throw new FlagValueError(
      max === 0 ? `takes no arguments, got ${args.length}` : `expects at most ${max} argument${max === 1 ? '' : 's'}, got ${args.length}`,
    );
  }
}
