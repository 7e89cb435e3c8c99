// The release guard on compatibleWith: a version outside its own range, or a range that would send
// stacks past a higher registered version to this one, is refused before anything is published
// (@fctl-kit/registry's releaseImpact says which stacks would resolve where).
import { parseRegistry, releaseImpact } from '@fctl-kit/registry';

export class RangeGuardError extends Error {}

/** The registry text may be absent (no registry configured): then only the version's own range is checked. */
export function guardRange(name: string, version: string, compatibleWith: string, registry?: { text: string; source: string }): string[] {
  const registered = registry ? (parseRegistry(registry.text, registry.source).plugins[name]?.versions ?? {}) : {};
  const impact = releaseImpact(name, registered, version, compatibleWith);
  if (impact.problems.length) {
    throw new RangeGuardError(`${name} ${version} with compatibleWith "${compatibleWith}" is refused${registry ? ` (against ${registry.source})` : ''}:\n${impact.problems.map((p) => `  - ${p}`).join('\n')}`);
  }
  return impact.notes;
}
