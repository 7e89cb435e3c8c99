import { describe, expect, it } from 'vitest';
import { movedRange, nextVersion, VersionBumpError } from '../src/version-bump.js';

describe('nextVersion', () => {
  it('bumps, or takes an exact higher version', () => {
    expect(nextVersion('3.2.0', 'patch')).toBe('3.2.1');
    expect(nextVersion('3.2.4', 'minor')).toBe('3.3.0');
    expect(nextVersion('3.2.4', 'major')).toBe('4.0.0');
    expect(nextVersion('3.2.4', '3.10.0')).toBe('3.10.0');
  });
  it('refuses a lower, equal or malformed version', () => {
    expect(() => nextVersion('3.2.0', '3.2.0')).toThrow(VersionBumpError);
    expect(() => nextVersion('3.2.0', '3.1.9')).toThrow('versions only go up');
    expect(() => nextVersion('3.2.0', 'v3.3.0')).toThrow('is not major, minor, patch or a version like 1.5.0');
  });
});

describe('movedRange', () => {
  it('moves a major-wide or minor-wide range to the new line', () => {
    expect(movedRange('>=3.0.0 <4.0.0', '4.0.0')).toBe('>=4.0.0 <5.0.0');
    expect(movedRange('>=1.4.0 <1.5.0', '1.5.0')).toBe('>=1.5.0 <1.6.0');
    expect(movedRange('>=0.3.0 <0.4.0', '0.4.0')).toBe('>=0.4.0 <0.5.0');
  });
  it('leaves any other form to be edited by hand', () => {
    expect(movedRange('^3.0.0', '4.0.0')).toBeUndefined();
    expect(movedRange('>=3.0.0 <5.0.0', '5.0.0')).toBeUndefined();
    expect(movedRange('>=3.1.0 <4.0.0', '4.0.0')).toBeUndefined();
    expect(movedRange('*', '4.0.0')).toBeUndefined();
  });
});
