import { describe, expect, it } from 'vitest';
import { checkArgCount, FlagValueError, resolveFlagValues, type FlagSpec } from '../src/index.js';

const flags: FlagSpec[] = [
  { name: 'ledger', type: 'string', description: 'x', default: 'default' },
  { name: 'size', type: 'int', description: 'x', default: 15 },
  { name: 'all', type: 'bool', description: 'x', default: false },
  { name: 'tag', type: 'stringList', description: 'x', enum: ['a', 'b'] },
  { name: 'id', type: 'string', description: 'x', required: true },
];

describe('resolveFlagValues', () => {
  it('fills defaults and keeps given values', () => {
    expect(resolveFlagValues(flags, { id: 'x', size: 3 })).toEqual({ ledger: 'default', size: 3, all: false, id: 'x' });
  });
  it('refuses unknown flags, missing required ones, wrong types and values outside enum', () => {
    expect(() => resolveFlagValues(flags, { id: 'x', nope: 1 })).toThrow('unknown flag --nope');
    expect(() => resolveFlagValues(flags, {})).toThrow('required flag --id is missing');
    expect(() => resolveFlagValues(flags, { id: 'x', size: 1.5 })).toThrow('flag --size expects an integer, got 1.5');
    expect(() => resolveFlagValues(flags, { id: 'x', all: 'yes' })).toThrow('flag --all expects true or false');
    expect(() => resolveFlagValues(flags, { id: 'x', tag: ['a', 'c'] })).toThrow('flag --tag must be one of a, b; got "c"');
    expect(() => resolveFlagValues(flags, { id: 'x', tag: 'a' })).toThrow(FlagValueError);
  });
});

describe('checkArgCount', () => {
  it('enforces min and max; no constraint means no arguments', () => {
    expect(() => checkArgCount([], undefined)).not.toThrow();
    expect(() => checkArgCount(['x'], undefined)).toThrow('takes no arguments, got 1');
    expect(() => checkArgCount([], { min: 1, max: 1 })).toThrow('expects at least 1 argument, got 0');
    expect(() => checkArgCount(['a', 'b'], { min: 1, max: 1 })).toThrow('expects at most 1 argument, got 2');
    expect(() => checkArgCount(['a', 'b', 'c'], { min: 1 })).not.toThrow();
  });
});
