// YAML from a file nobody vouches for (a registry, compatibility scenarios), parsed within bounds. yaml's composer recurses once per
// nesting level: a document nested some thousands deep exhausts the stack, and when that happens
// while V8 compiles one of the parser's regular expressions, V8 aborts the whole process
// ("RegExpCompiler Allocation failed", SIGABRT) instead of throwing. So the nesting is measured
// first, on yaml's concrete syntax tree, which its parser builds without recursion, and a document
// too large, too deep or using aliases (which expand without bound) is refused before composing.
import { Parser, parseDocument } from 'yaml';

export interface YamlLimits {
  /** Bytes of UTF-8. */
  maxBytes: number;
  /** Collections (mappings, sequences) inside one another. */
  maxDepth: number;
}

export class YamlLimitError extends Error {}

type Node = { type: string; items?: Array<{ start?: unknown[]; key?: Node | null; value?: Node | null; sep?: unknown[] }>; value?: Node; start?: Array<{ type: string }> };

const COLLECTIONS = new Set(['block-map', 'block-seq', 'flow-collection']);

/** Throws when the text holds several documents, nests deeper than `maxDepth` or uses an alias; iterative. */
function checkShape(text: string, source: string, maxDepth: number): void {
  const pending: Array<[Node, number]> = [];
  for (const token of new Parser().parse(text)) {
    if (token.type === 'document' && pending.some(([node]) => node.type === 'document')) throw new YamlLimitError(`${source} holds more than one YAML document (---)`);
    pending.push([token as Node, 0]);
  }
  while (pending.length) {
    const [node, depth] = pending.pop()!;
    if (node.type === 'alias') throw new YamlLimitError(`${source} uses YAML aliases (*name), which are not allowed`);
    const inner = COLLECTIONS.has(node.type) ? depth + 1 : depth;
    if (inner > maxDepth) throw new YamlLimitError(`${source} nests mappings and lists more than ${maxDepth} deep`);
    if (node.type === 'document' && node.value) pending.push([node.value, inner]);
    for (const item of node.items ?? []) {
      if (item.key) pending.push([item.key, inner]);
      if (item.value) pending.push([item.value, inner]);
    }
  }
}

/**
 * Parses one YAML document within `limits`: duplicate keys, aliases, and anything yaml warns about
 * (an unknown tag, ...) are refused; YamlLimitError for the limits, yaml's own errors otherwise.
 */
export function parseBoundedYaml(text: string, source: string, limits: YamlLimits): unknown {
  const bytes = Buffer.byteLength(text);
  if (bytes > limits.maxBytes) throw new YamlLimitError(`${source} is ${bytes} bytes, over the limit of ${limits.maxBytes}`);
  checkShape(text, source, limits.maxDepth);
  const document = parseDocument(text, { uniqueKeys: true, prettyErrors: false, logLevel: 'error' });
  const problem = document.errors[0] ?? document.warnings[0];
  if (problem) throw problem;
  return document.toJS({ maxAliasCount: 0 });
}
