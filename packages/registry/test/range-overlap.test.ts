import { describe, expect, it } from 'vitest';
import { describeSpan, releaseImpact } from '../src/range-overlap.js';

const v = (compatibleWith: string) => ({ compatibleWith });

describe('releaseImpact', () => {
  it('refuses a version outside its own range, saying where stacks would resolve', () => {
    const impact = releaseImpact('ledger', { '1.4.2': v('>=1.4.0 <1.5.0') }, '1.5.0', '>=1.4.0 <1.5.0');
    expect(impact.problems).toEqual([
      'ledger 1.5.0 is outside its own compatibleWith ">=1.4.0 <1.5.0": stacks on 1.5.0 would get no version, and stacks on 1.4.x would get 1.5.0 instead of 1.4.2 (fix the range in createPlugin({ compatibleWith }) and rebuild)',
    ]);
    expect(impact.takes).toEqual([{ span: { from: '1.4.0', below: '1.5.0' }, from: '1.4.2' }]);
  });

  it('accepts the next release line and reports the stacks it starts serving', () => {
    const impact = releaseImpact('ledger', { '1.4.2': v('>=1.4.0 <1.5.0') }, '1.5.0', '>=1.5.0 <1.6.0');
    expect(impact.problems).toEqual([]);
    expect(impact.notes).toEqual(['stacks on 1.5.x would get 1.5.0 (no version serves them now)']);
  });

  it('a patch release takes over the stacks of the version it replaces', () => {
    const impact = releaseImpact('ledger', { '1.4.1': v('>=1.4.0 <1.5.0'), '1.4.2': v('>=1.4.0 <1.5.0') }, '1.4.3', '>=1.4.0 <1.5.0');
    expect(impact.problems).toEqual([]);
    expect(impact.notes).toEqual(['stacks on 1.4.x would get 1.4.3 instead of 1.4.2']);
  });

  it('a wider range takes older lines too: allowed, and said', () => {
    const impact = releaseImpact('ledger', { '1.3.0': v('~1.3.0'), '1.4.2': v('>=1.4.0 <1.5.0') }, '1.5.0', '>=1.3.5 <1.6.0');
    expect(impact.problems).toEqual([]);
    expect(impact.notes).toEqual([
      'stacks on 1.3.5 to 1.3.x would get 1.5.0 instead of 1.3.0',
      'stacks on 1.4.x would get 1.5.0 instead of 1.4.2',
      'stacks on 1.5.x would get 1.5.0 (no version serves them now)',
    ]);
  });

  it('a backport overlapping a higher version is shadowed there, never taking its stacks', () => {
    const impact = releaseImpact('ledger', { '1.4.2': v('>=1.4.0 <1.5.0'), '1.5.0': v('>=1.5.0 <1.6.0') }, '1.4.3', '>=1.4.0 <1.6.0');
    expect(impact.problems).toEqual([]);
    expect(impact.takes).toEqual([{ span: { from: '1.4.0', below: '1.5.0' }, from: '1.4.2' }]);
    expect(impact.notes).toContain('stacks on 1.5.x keep 1.5.0 (the highest compatible version wins): 1.4.3 serves them only if 1.5.0 is retired');
  });

  it('refuses a range reaching past the whole range of a higher version', () => {
    const impact = releaseImpact('ledger', { '2.0.0': v('>=2.0.0 <3.0.0') }, '1.5.0', '>=1.5.0');
    expect(impact.problems).toEqual([
      'stacks on 3.0.0 and above would get 1.5.0 (no version serves them now), though 2.0.0, a higher version, stops below them (compatibleWith ">=2.0.0 <3.0.0"): 1.5.0 would serve a service its successor does not; end its range where 2.0.0\'s begins',
    ]);
    // The same backport ending where the higher version begins is fine.
    expect(releaseImpact('ledger', { '2.0.0': v('>=2.0.0 <3.0.0') }, '1.5.0', '>=1.5.0 <2.0.0').problems).toEqual([]);
  });

  it('judges a re-run like the first run (the version itself is replaced, not compared with)', () => {
    const registered = { '1.4.2': v('>=1.4.0 <1.5.0'), '1.5.0': v('>=1.5.0 <1.6.0') };
    const impact = releaseImpact('ledger', registered, '1.5.0', '>=1.5.0 <1.6.0');
    expect(impact.problems).toEqual([]);
    expect(impact.notes).toEqual(['stacks on 1.5.x would get 1.5.0 (no version serves them now)']);
  });

  it('a prerelease is checked against its own range; stable stacks are never offered it', () => {
    expect(releaseImpact('ledger', { '1.4.2': v('>=1.4.0 <1.5.0') }, '1.5.0-rc.1', '>=1.5.0-0 <1.6.0').problems).toEqual([]);
    const outside = releaseImpact('ledger', { '1.4.2': v('>=1.4.0 <1.5.0') }, '1.5.0-rc.1', '>=1.3.0 <1.4.0');
    expect(outside.problems[0]).toMatch(/^ledger 1\.5\.0-rc\.1 is outside its own compatibleWith ">=1\.3\.0 <1\.4\.0": stacks on 1\.5\.0-rc\.1 would get no version/);
  });

  it('understands >, <=, x-ranges, carets and unions', () => {
    const impact = releaseImpact('ledger', { '1.0.0': v('<=1.2.3') }, '2.0.0', '>1.2.3 <2.0.0 || ^2.0.0');
    expect(impact.problems).toEqual([]);
    expect(impact.notes).toEqual(['stacks on 1.2.4 to below 3.0.0 would get 2.0.0 (no version serves them now)']);
    expect(impact.takes.map((t) => t.span)).toEqual([{ from: '1.2.4', below: '3.0.0' }]);
  });

  it('reads "*" as every service version', () => {
    const impact = releaseImpact('ledger', { '1.0.0': v('*') }, '2.0.0', '>=2.0.0');
    expect(impact.problems).toEqual([]);
    expect(impact.notes).toEqual(['stacks on 2.0.0 and above would get 2.0.0 instead of 1.0.0']);
  });

  it('throws on a range semver cannot read', () => {
    expect(() => releaseImpact('ledger', {}, '1.0.0', 'not a range')).toThrow();
  });
});

describe('describeSpan', () => {
  it('names spans as stacks are spoken of', () => {
    expect(describeSpan({ from: '1.5.0', below: '1.6.0' })).toBe('1.5.x');
    expect(describeSpan({ from: '1.5.3', below: '1.6.0' })).toBe('1.5.3 to 1.5.x');
    expect(describeSpan({ from: '2.0.0', below: '3.0.0' })).toBe('2.x');
    expect(describeSpan({ from: '2.1.0', below: '3.0.0' })).toBe('2.1.0 to 2.x');
    expect(describeSpan({ from: '1.4.6', below: '1.4.7' })).toBe('1.4.6');
    expect(describeSpan({ from: '1.4.0', below: '1.4.7' })).toBe('1.4.0 to below 1.4.7');
    expect(describeSpan({ from: '3.0.0' })).toBe('3.0.0 and above');
  });
});
