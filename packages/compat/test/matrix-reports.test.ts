// The matrix reports from one results model: matrix.json (round trip), junit.xml (well-formed XML
// by a strict checker, one case per cell and scenario, hostile text preserved as visible text),
// matrix.md (table shape kept whatever the diffs hold, fences nothing can close, size bound) and
// matrix.html (self-contained, escaped; the browser check is test/e2e/matrix-report.test.ts).
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { visibleControls } from '../src/matrix/escape.js';
import { junitXml, makeResults, matrixHtml, matrixJson, matrixMarkdown, parseResults, planMatrix, sha256Hex, summarize, type CellResult, type MatrixResults } from '../src/matrix/index.js';

export const HOSTILE = 'printed:\n</script><script>alert(1)</script>\n| a | b |\n```\n````js\n]]><!-- -->&amp; @octocat \u0000\u0007\u001b[31m\u0085\u2028 \ud800 \r\nexpected:\n`x`\n';

export function hostileResults(): MatrixResults {
  const plan = planMatrix({
    cores: [{ version: '0.1.0', protocolVersions: [1] }, { version: '0.2.0-rc.1', protocolVersions: [1, 2] }],
    plugins: [
      { name: 'ledger', versions: [{ version: '3.0.0', compatibleWith: '>=3', protocolVersions: [1] }, { version: '4.0.0', compatibleWith: '>=4', protocolVersions: [2] }] },
      { name: 'wallets', versions: [{ version: '1.0.0-beta.1', compatibleWith: '*', protocolVersions: [1], deprecated: 'use <b>2</b> | now' }, { version: '0.9.0', compatibleWith: '*', retired: 'broken </script>' }] },
    ],
  });
  const key = (id: string) => sha256Hex(id);
  const results: CellResult[] = [
    { cell: 'fctl@0.1.0 ledger@3.0.0', status: 'pass', key: key('a'), scenarios: [{ name: 'list', ok: true, problems: [], requests: ['GET /versions -> 200'] }] },
    {
      cell: 'fctl@0.1.0 wallets@1.0.0-beta.1',
      status: 'fail',
      key: key('b'),
      scenarios: [
        { name: 'ok one', ok: true, problems: [], requests: [] },
        { name: 'list </script> | `x` @octocat \u001b', ok: false, problems: [HOSTILE, 'exit code 1, expected 0'], requests: ['GET /api/wallets/<x>?a=|b -> 404', 'GET /api/```\u0000 -> 500'] },
      ],
    },
    { cell: 'fctl@0.2.0-rc.1 ledger@3.0.0', status: 'error', key: null, scenarios: [], error: 'cannot download fctl 0.2.0-rc.1: </pre> 404 ]]>' },
    // fctl@0.2.0-rc.1 ledger@4.0.0: not run (a missing shard); wallets@1.0.0-beta.1 on 0.2.0-rc.1: passed
    { cell: 'fctl@0.2.0-rc.1 wallets@1.0.0-beta.1', status: 'pass', key: key('c'), scenarios: [{ name: 's', ok: true, problems: [], requests: [] }] },
  ];
  return makeResults(plan, results);
}

// A strict XML 1.0 well-formedness check (no XML parser is installed here): one root, nesting,
// names, quoted unique attributes, only the predefined entities and character references to allowed
// characters, no character XML forbids, no "]]>" in text. Returns the tree with decoded text.
interface XmlElement {
  name: string;
  attributes: Record<string, string>;
  children: (XmlElement | string)[];
}
const NAME = /^[A-Za-z_:][A-Za-z0-9_.:-]*$/;
const ALLOWED = /^[\t\n\r\u0020-\ud7ff\ue000-\ufffd\u{10000}-\u{10ffff}]*$/u;
function decode(text: string, where: string): string {
  if (!ALLOWED.test(text)) throw new Error(`${where}: a character XML 1.0 forbids`);
  return text.replace(/&([^;]*);|&/g, (whole, body: string | undefined) => {
    if (body === undefined) throw new Error(`${where}: a bare &`);
    const named: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
    if (named[body]) return named[body]!;
    const code = /^#x([0-9a-fA-F]+)$/.exec(body) ? parseInt(body.slice(2), 16) : /^#([0-9]+)$/.exec(body) ? parseInt(body.slice(1), 10) : NaN;
    const char = Number.isNaN(code) ? '' : String.fromCodePoint(code);
    if (!char || !ALLOWED.test(char)) throw new Error(`${where}: the reference &${body}; is not allowed`);
    return char;
  });
}
export function parseXmlStrict(xml: string): XmlElement {
  let at = 0;
  const prolog = /^<\?xml version="1\.0" encoding="UTF-8"\?>\n/.exec(xml);
  if (!prolog) throw new Error('no XML declaration');
  at = prolog[0].length;
  const stack: XmlElement[] = [];
  let root: XmlElement | undefined;
  while (at < xml.length) {
    const lt = xml.indexOf('<', at);
    const text = xml.slice(at, lt < 0 ? xml.length : lt);
    if (text) {
      if (text.includes(']]>')) throw new Error('"]]>" in text');
      if (!stack.length) {
        if (text.trim()) throw new Error('text outside the root');
      } else stack[stack.length - 1]!.children.push(decode(text, 'text'));
    }
    if (lt < 0) break;
    const gt = xml.indexOf('>', lt);
    if (gt < 0) throw new Error('a tag never closed');
    const tag = xml.slice(lt + 1, gt);
    at = gt + 1;
    if (tag.startsWith('/')) {
      const open = stack.pop();
      if (!open || open.name !== tag.slice(1)) throw new Error(`</${tag.slice(1)}> closes ${open?.name ?? 'nothing'}`);
      if (!stack.length) root = open;
      continue;
    }
    if (tag.startsWith('!') || tag.startsWith('?')) throw new Error(`unexpected <${tag.slice(0, 10)}`);
    const selfClosing = tag.endsWith('/');
    const body = selfClosing ? tag.slice(0, -1) : tag;
    const name = /^\S+/.exec(body)?.[0] ?? '';
    if (!NAME.test(name)) throw new Error(`bad element name ${JSON.stringify(name)}`);
    const element: XmlElement = { name, attributes: {}, children: [] };
    let rest = body.slice(name.length);
    const attribute = /^\s+([^\s=]+)="([^"<]*)"/;
    for (let match = attribute.exec(rest); match; match = attribute.exec(rest)) {
      if (!NAME.test(match[1]!)) throw new Error(`bad attribute name ${match[1]}`);
      if (match[1]! in element.attributes) throw new Error(`attribute ${match[1]} twice`);
      element.attributes[match[1]!] = decode(match[2]!, `attribute ${match[1]}`).replace(/[\t\n\r]/g, ' ');
      rest = rest.slice(match[0].length);
    }
    if (rest.trim()) throw new Error(`junk in <${name}>: ${JSON.stringify(rest.slice(0, 40))}`);
    if (root && !stack.length) throw new Error('a second root');
    if (stack.length) stack[stack.length - 1]!.children.push(element);
    if (selfClosing) {
      if (!stack.length) root = element;
    } else stack.push(element);
  }
  if (stack.length || !root) throw new Error('unclosed elements');
  return root;
}
const children = (element: XmlElement, name: string) => element.children.filter((child): child is XmlElement => typeof child !== 'string' && child.name === name);
const textOf = (element: XmlElement): string => element.children.map((child) => (typeof child === 'string' ? child : textOf(child))).join('');

describe('the strict XML check itself', () => {
  it.each([
    ['<a>x</b>', 'closes'],
    ['<a b="1" b="2"/>', 'twice'],
    ['<a>&nbsp;</a>', 'not allowed'],
    ['<a>&#0;</a>', 'not allowed'],
    ['<a>\u0001</a>', 'forbids'],
    ['<a>x & y</a>', 'bare &'],
    ['<a/><b/>', 'second root'],
    ['<a>]]></a>', ']]>'],
    ['<a b=1/>', 'junk'],
  ])('refuses %j', (body, message) => {
    expect(() => parseXmlStrict(`<?xml version="1.0" encoding="UTF-8"?>\n${body}`)).toThrow(message);
  });
});

describe('matrix.json', () => {
  it('is the results with a summary, and reads back to the same results', () => {
    const results = hostileResults();
    const json = matrixJson(results);
    expect(JSON.parse(json).summary).toEqual({ cells: 8, pass: 2, fail: 1, error: 1, notRun: 1, unreachable: 3 });
    expect(summarize(results)).toEqual(JSON.parse(json).summary);
    expect(parseResults(json, 'matrix.json')).toEqual(results);
  });
});

describe('junit.xml', () => {
  const xml = junitXml(hostileResults());
  const root = parseXmlStrict(xml);
  const suites = children(root, 'testsuite');

  it('is well-formed: a suite per cell, a case per scenario, counts that add up', () => {
    expect(root.name).toBe('testsuites');
    expect(suites.map((suite) => suite.attributes.name)).toEqual(hostileResults().plan.cells.map((cell) => cell.id));
    const cases = suites.flatMap((suite) => children(suite, 'testcase'));
    expect(root.attributes).toMatchObject({ tests: String(cases.length), failures: '1', errors: '2', skipped: '3' });
    expect(cases.map((item) => `${item.attributes.classname} › ${item.attributes.name}`)).toEqual([
      'fctl@0.1.0 ledger@3.0.0 › list',
      'fctl@0.1.0 ledger@4.0.0 › unreachable',
      'fctl@0.1.0 wallets@0.9.0 › unreachable',
      'fctl@0.1.0 wallets@1.0.0-beta.1 › ok one',
      'fctl@0.1.0 wallets@1.0.0-beta.1 › list </script> | `x` @octocat \\u001b',
      'fctl@0.2.0-rc.1 ledger@3.0.0 › run',
      'fctl@0.2.0-rc.1 ledger@4.0.0 › not run',
      'fctl@0.2.0-rc.1 wallets@0.9.0 › unreachable',
      'fctl@0.2.0-rc.1 wallets@1.0.0-beta.1 › s',
    ]);
    for (const suite of suites) expect(Number(suite.attributes.tests)).toBe(children(suite, 'testcase').length);
  });

  it("a failure holds the whole diff and the stub stack's requests, control characters as visible escapes", () => {
    const failing = children(suites.find((suite) => suite.attributes.name === 'fctl@0.1.0 wallets@1.0.0-beta.1')!, 'testcase')[1]!;
    const [failure] = children(failing, 'failure');
    expect(failure!.attributes.message).toBe('printed:');
    const body = textOf(failure!);
    expect(body).toContain('</script><script>alert(1)</script>\n| a | b |\n```\n````js\n]]><!-- -->&amp; @octocat \\u0000\\u0007\\u001b[31m\\u0085\\u2028 \\ud800 \\u000d\nexpected:');
    expect(body).toContain("the stub stack's requests:\nGET /api/wallets/<x>?a=|b -> 404\nGET /api/```\\u0000 -> 500");
    expect(xml).not.toMatch(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/);
  });

  it('an unreachable cell is skipped with its reasons; a cell that could not run, or has no result, is an error', () => {
    const byName = (name: string) => children(suites.find((suite) => suite.attributes.name === name)!, 'testcase')[0]!;
    expect(children(byName('fctl@0.1.0 ledger@4.0.0'), 'skipped')[0]!.attributes.message).toBe('fctl 0.1.0 speaks protocol version 1; ledger@4.0.0 speaks 2');
    expect(children(byName('fctl@0.1.0 wallets@0.9.0'), 'skipped')[0]!.attributes.message).toBe('wallets@0.9.0 is retired: broken </script>');
    expect(children(byName('fctl@0.2.0-rc.1 ledger@3.0.0'), 'error')[0]!.attributes.message).toBe('cannot download fctl 0.2.0-rc.1: </pre> 404 ]]>');
    expect(children(byName('fctl@0.2.0-rc.1 ledger@4.0.0'), 'error')[0]!.attributes.message).toContain('no result: the cell did not run');
  });

  it('an empty matrix is a well-formed empty report', () => {
    const empty = parseXmlStrict(junitXml(makeResults(planMatrix({ cores: [], plugins: [] }), [])));
    expect(empty.attributes).toMatchObject({ tests: '0', failures: '0', errors: '0', skipped: '0' });
  });
});

/** The `|` that separate cells (not escaped ones). */
const separators = (line: string) => line.replace(/\\./g, '').split('|').length - 1;

describe('matrix.md', () => {
  const md = matrixMarkdown(hostileResults(), { htmlUrl: 'https://ci.example/run 1/matrix.html' });

  it('rows are cores, columns plugin@version, ✓ ✗ ? — linking to the HTML cells', () => {
    const lines = md.split('\n');
    const start = lines.findIndex((line) => line.startsWith('| fctl |'));
    const table = lines.slice(start, start + lines.slice(start).findIndex((line) => !line.startsWith('|')));
    expect(table).toHaveLength(4);
    expect(table[0]).toBe('| fctl | `ledger@3.0.0` | `ledger@4.0.0` | `wallets@0.9.0` | `wallets@1.0.0-beta.1` |');
    expect(table[2]).toBe('| `0.1.0` | [✓](https://ci.example/run%201/matrix.html#cell-0) | — | — | [✗](https://ci.example/run%201/matrix.html#cell-3) |');
    expect(table[3]).toBe('| `0.2.0-rc.1` | [✗](https://ci.example/run%201/matrix.html#cell-4) | [?](https://ci.example/run%201/matrix.html#cell-5) | — | [✓](https://ci.example/run%201/matrix.html#cell-7) |');
    for (const line of table) expect(separators(line)).toBe(6);
    expect(md).toContain('**8 cells**: 2 ✓ passed · 1 ✗ failed · 1 ✗ could not run · 1 ? not run · 3 — unreachable');
    expect(md).toContain('- `fctl@0.1.0 ledger@4.0.0`: fctl 0.1.0 speaks protocol version 1; ledger&#64;4.0.0 speaks 2\n');
    expect(md).toContain('- `fctl@0.1.0 wallets@0.9.0`: wallets&#64;0.9.0 is retired: broken &lt;/script&gt;\n');
  });

  it('hostile text cannot break out: fences longer than any backtick run inside, no raw tags or @mentions outside code', () => {
    const fence = /^(`{3,})text$/;
    const lines = md.split('\n');
    const outside: string[] = [];
    for (let i = 0; i < lines.length; i++) {
      const open = fence.exec(lines[i]!);
      if (!open) {
        outside.push(lines[i]!);
        continue;
      }
      const close = lines.findIndex((line, j) => j > i && line === open[1]);
      expect(close).toBeGreaterThan(i);
      // Nothing inside may close the fence early (a line of that many backticks or more).
      for (const inner of lines.slice(i + 1, close)) expect(inner.trim().startsWith(open[1]!)).toBe(false);
      i = close;
    }
    const text = outside.join('\n').replace(/<code>[^<]*<\/code>/g, '').replace(/(`+)[^`]*?\1/g, '');
    expect(text).not.toMatch(/<script|<\/pre|<!--|<b>/i);
    expect(text.replace(/\]\(https:\/\/[^)]*\)/g, '')).not.toMatch(/@(?!\d)/); // a mention would notify a user
    expect(md).toContain('<details><summary><code>fctl@0.2.0-rc.1 ledger@3.0.0</code>: could not run</summary>\n\n```text\ncould not run: cannot download fctl 0.2.0-rc.1: </pre> 404 ]]>\n```\n\n</details>');
    expect(md).toContain('<details><summary><code>fctl@0.1.0 wallets@1.0.0-beta.1</code>: failed</summary>\n\n`````text\nscenario: list </script>'); // the diff holds a run of 4 backticks
    expect(md).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f]/);
  });

  it('fits a pull-request comment: failure details are cut first, the table stays', () => {
    const many = hostileResults();
    const long = { ...many, results: many.results.map((result) => ({ ...result, scenarios: result.scenarios.map((scenario) => (scenario.ok ? scenario : { ...scenario, problems: ['x'.repeat(100_000)] })) })) };
    const cut = matrixMarkdown(long, { maxChars: 5000, htmlUrl: 'matrix.html' });
    expect(cut.length).toBeLessThanOrEqual(5000);
    expect(cut).toContain('| `0.2.0-rc.1` |');
    expect(cut).toMatch(/_… 3 failure details and 0 lines left out to stay within 5000 characters; see matrix\.html\._/);
    const tiny = matrixMarkdown(long, { maxChars: 400 });
    expect(tiny.length).toBeLessThanOrEqual(400);
    expect(tiny).toMatch(/table rows left out/);
  });

  it('links only to http(s) or relative URLs', () => {
    expect(matrixMarkdown(hostileResults(), { htmlUrl: 'javascript:alert(1)' })).not.toContain('](');
    expect(matrixMarkdown(hostileResults(), { htmlUrl: 'matrix.html?a=(1)' })).toContain('[✓](matrix.html?a=%281%29#cell-0)');
  });

  it('an empty matrix says so', () => {
    expect(matrixMarkdown(makeResults(planMatrix({ cores: [], plugins: [] }), []))).toContain('No cells: no core versions or no plugin versions were planned.');
  });
});

describe('matrix.html', () => {
  const html = matrixHtml(hostileResults(), { title: 'matrix </title><script>x</script>' });

  it('is self-contained: no external resource, a CSP allowing only its own style and script by hash', () => {
    expect(html).not.toMatch(/\b(src|href)="(?!#cell-\d+")/);
    expect(html).not.toMatch(/https?:|url\(|@import/);
    const script = /<script>([\s\S]*?)<\/script>/.exec(html)![1]!;
    const style = /<style>([\s\S]*?)<\/style>/.exec(html)![1]!;
    const hash = (text: string) => createHash('sha256').update(text).digest('base64');
    expect(html).toContain(`script-src 'sha256-${hash(script)}'`);
    expect(html).toContain(`style-src 'sha256-${hash(style)}'`);
    expect(html).toContain("default-src 'none'");
  });

  it('holds hostile text only escaped: one <script>, one <title>, the diff in a <pre>', () => {
    expect(html.match(/<script/g)).toHaveLength(1);
    expect(html.match(/<\/script>/g)).toHaveLength(1);
    expect(html.match(/<title>/g)).toHaveLength(1);
    expect(html).toContain('&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;\n| a | b |\n```');
    expect(html).toContain('use &lt;b&gt;2&lt;/b&gt; | now');
    expect(html).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f]/);
  });

  it('renders every cell with its state and a details article', () => {
    const cells = [...html.matchAll(/<td class="cell ([a-z-]+)" data-col="(\d)" data-state="\1"><a href="#cell-(\d)"/g)].map((match) => `${match[3]}:${match[1]}`);
    expect(cells).toEqual(['0:pass', '1:unreachable', '2:unreachable', '3:fail', '4:error', '5:not-run', '6:unreachable', '7:pass']);
    for (let index = 0; index < 8; index++) expect(html).toContain(`<article class="detail" id="cell-${index}"`);
  });
});

describe('any text', () => {
  const pieces = fc.oneof(
    fc.constantFrom('</script>', '|', '`', '```', '````', ']]>', '\u0000', '\r', '\r\n', '\ud800', '\udc00', '\ud83d\ude00', '@octocat', '&', '&amp;', '<', '>', '"', "'", '\n', '\t', '\u2028', '\ufffe', '\\'),
    fc.string({ unit: 'binary' }),
  );
  const hostile = fc.array(pieces, { maxLength: 12 }).map((parts) => parts.join(''));
  const resultsWith = (name: string, problem: string, request: string) => {
    const plan = planMatrix({ cores: [{ version: '1.0.0', protocolVersions: [1] }], plugins: [{ name: 'p', versions: [{ version: '1.0.0', compatibleWith: '*', protocolVersions: [1] }, { version: '2.0.0', compatibleWith: '*', protocolVersions: [1] }] }] });
    return makeResults(plan, [{ cell: 'fctl@1.0.0 p@1.0.0', status: 'fail', key: null, scenarios: [{ name, ok: false, problems: [problem], requests: [request] }] }]);
  };

  it('junit.xml stays well-formed and holds the text exactly (control characters made visible)', () => {
    fc.assert(
      fc.property(hostile, hostile, hostile, (name, problem, request) => {
        const root = parseXmlStrict(junitXml(resultsWith(name, problem, request)));
        const testcase = children(children(root, 'testsuite')[0]!, 'testcase')[0]!;
        expect(testcase.attributes.name).toBe(visibleControls(name).replace(/[\t\n]/g, ' '));
        expect(textOf(children(testcase, 'failure')[0]!)).toBe(visibleControls(`${problem}\n\nthe stub stack's requests:\n${request || '(none)'}\n`));
      }),
      { numRuns: 300 },
    );
  });

  it('matrix.md keeps its table, and every fence closes only where it should', () => {
    fc.assert(
      fc.property(hostile, hostile, hostile, (name, problem, request) => {
        const lines = matrixMarkdown(resultsWith(name, problem, request)).split('\n');
        expect(lines.filter((line) => line.startsWith('| ')).slice(0, 2).map(separators)).toEqual([4, 4]);
        const open = lines.findIndex((line) => /^`{3,}text$/.test(line));
        const fence = lines[open]!.slice(0, -4);
        const close = lines.findIndex((line, index) => index > open && line.trim().startsWith(fence));
        expect(lines[close]).toBe(fence);
        expect(lines[close + 2]).toBe('</details>');
        expect(lines.join('\n')).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f]/);
      }),
      { numRuns: 300 },
    );
  });

  it('matrix.html has one script, and the text is in the page only escaped', () => {
    fc.assert(
      fc.property(hostile, hostile, (name, problem) => {
        const html = matrixHtml(resultsWith(name, problem, 'GET / -> 404'));
        expect(html.match(/<script/g)).toHaveLength(1);
        expect(html.match(/<\/pre>/g)).toHaveLength(2);
        expect(html.match(/<\/article>/g)).toHaveLength(2);
        expect(html).toContain(`<pre class="diff">${visibleControls(problem).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!)}</pre>`);
      }),
      { numRuns: 300 },
    );
  });
});
