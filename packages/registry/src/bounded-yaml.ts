// YAML from a file nobody vouches for (a registry, compatibility scenarios), parsed within bounds. yaml's composer recurses once per
// nesting level: a document nested some thousands deep exhausts the stack, and when that happens
// while V8 compiles one of the parser's regular expressions, V8 aborts the whole process
// ("RegExpCompiler Allocation failed", SIGABRT) instead of throwing. So the nesting is measured
// first, on yaml's concrete syntax tree, which its parser builds without recursion, and a document
// too large, too deep or using aliases (which expand without bound) is refused before composing.
import { Composer, CST, Lexer, Parser, type Document } from 'yaml';
import { findDuplicateKey, lineAndColumn } from './duplicate-keys.js';

export interface YamlLimits {
  /** Bytes of UTF-8. */
  maxBytes: number;
  /** Collections (mappings, sequences) inside one another. */
  maxDepth: number;
}

export class YamlLimitError extends Error {
  constructor(
    message: string,
    /** Where in the text, when known (callers word the place their own way). */
    readonly offset?: number,
  ) {
    super(message);
  }
}

/** A key given twice in one mapping: where, so that each caller can word it its own way. */
export class YamlDuplicateKeyError extends YamlLimitError {
  constructor(
    source: string,
    /** e.g. plugins.ledger.versions.3.2.0 */
    readonly place: string,
    readonly line: number,
    readonly column: number,
  ) {
    super(`${source} repeats the key ${place} (line ${line}, column ${column})`);
  }
}

type Node = { type: string; items?: Array<{ key?: Node | null; value?: Node | null }>; value?: Node };

const COLLECTIONS = new Set(['block-map', 'block-seq', 'flow-collection']);

/**
 * The concrete syntax tree of one document. The parser's stack holds the collections still open, so
 * watching it stops a document nested a million deep after a few dozen levels, before it costs memory.
 */
function syntaxTree(text: string, source: string, maxDepth: number): CST.Token[] {
  const parser = new Parser();
  const tokens: CST.Token[] = [];
  const take = (token: CST.Token) => {
    if (token.type === 'document' && tokens.some((t) => t.type === 'document')) {
      throw new YamlLimitError(`${source} holds more than one YAML document (---)`, token.offset);
    }
    tokens.push(token);
  };
  for (const lexeme of new Lexer().lex(text)) {
    // parser.offset is where this lexeme starts.
    if (CST.tokenType(lexeme) === 'alias') throw new YamlLimitError(`${source} uses YAML aliases (*name), which are not allowed`, parser.offset);
    const start = parser.offset;
    for (const token of parser.next(lexeme)) take(token);
    // The document and a scalar being read sit on the stack besides the open collections.
    if (parser.stack.length > maxDepth + 2) throw new YamlLimitError(`${source} nests mappings and lists more than ${maxDepth} deep`, start);
  }
  for (const token of parser.end()) take(token);
  return tokens;
}

/** Counts nesting exactly, without recursion. */
function checkDepth(tokens: CST.Token[], source: string, maxDepth: number): void {
  const pending: Array<[Node, number]> = tokens.map((token) => [token as Node, 0]);
  while (pending.length) {
    const [node, depth] = pending.pop()!;
    const inner = COLLECTIONS.has(node.type) ? depth + 1 : depth;
    if (inner > maxDepth) throw new YamlLimitError(`${source} nests mappings and lists more than ${maxDepth} deep`, (node as { offset?: number }).offset);
    if (node.type === 'document' && node.value) pending.push([node.value, inner]);
    for (const item of node.items ?? []) {
      if (item.key) pending.push([item.key, inner]);
      if (item.value) pending.push([item.value, inner]);
    }
  }
}

/**
 * Parses one YAML document within `limits`: several documents, aliases, a key repeated in a mapping
 * and anything yaml warns about (a tag outside the core schema, YAML 1.1's !!binary and !!set
 * included, ...) are refused; YamlLimitError for those
 * (YamlDuplicateKeyError for a repeated key), yaml's own errors for text that is not YAML. (yaml's own
 * duplicate-key check is quadratic: the linear findDuplicateKey is used.)
 */
export function parseBoundedYaml(text: string, source: string, limits: YamlLimits): unknown {
  const bytes = Buffer.byteLength(text);
  if (bytes > limits.maxBytes) throw new YamlLimitError(`${source} is ${bytes} bytes, over the limit of ${limits.maxBytes}`);
  const tokens = syntaxTree(text, source, limits.maxDepth);
  checkDepth(tokens, source, limits.maxDepth);
  const documents = [...new Composer({ uniqueKeys: false, prettyErrors: false, resolveKnownTags: false }).compose(tokens, true, text.length)] as Document.Parsed[];
  const document = documents[0]!;
  const problem = document.errors[0] ?? document.warnings[0];
  if (problem) throw problem;
  const duplicate = findDuplicateKey(document);
  if (duplicate) {
    const { line, column } = lineAndColumn(text, duplicate.offset);
    throw new YamlDuplicateKeyError(source, duplicate.place, line, column);
  }
  return document.toJS({ maxAliasCount: 0 });
}
