// Every HTTP request of fctl and fctl-kit goes through @fctl-kit/http: no source file of any other
// package calls fetch, sends with node:http / node:https, or uses undici. Servers (listening, not
// sending) are allowed where listed.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const packagesDir = join(root, 'packages');

/** Files that may import node:http for a server they run, and what they may import from it. */
const SERVERS: Record<string, RegExp> = {
  'packages/compat/src/stub-stack.ts': /^\{\s*createServer(,\s*type [\w]+)*\s*\}$/,
  'packages/cli/src/conformance/stack-server.ts': /^\{\s*createServer(,\s*type [\w]+)*\s*\}$/,
};

/**
 * Code that runs in a plugin process, not in fctl or fctl-kit: the SDK's context.http under
 * protocol v1, where the plugin makes its own requests (in v2 fctl makes them, through this layer).
 * It stays on Node's own clients so that a plugin does not carry undici.
 */
const PLUGIN_SIDE = new Set(['packages/plugin-sdk/src/http.ts']);

const CLIENT_PATTERNS: Array<[string, RegExp]> = [
  ['fetch(', /(?<![\w$.])fetch\s*\(|globalThis\.fetch\b/],
  ['node:https', /from\s+['"](node:)?https['"]|require\(\s*['"](node:)?https['"]\s*\)|import\(\s*['"](node:)?https['"]\s*\)/],
  ['undici', /from\s+['"]undici['"]|require\(\s*['"]undici['"]\s*\)|import\(\s*['"]undici['"]\s*\)/],
];

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'node_modules' || entry.name === 'generated' ? [] : sources(path);
    return /\.(ts|mts|cts|js|mjs)$/.test(entry.name) ? [path] : [];
  });
}

/** Every way `text` uses an HTTP client, as "file: what". */
export function clientUses(file: string, text: string): string[] {
  const found: string[] = [];
  const code = text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`])\/\/.*$/gm, '$1');
  for (const [what, pattern] of CLIENT_PATTERNS) if (pattern.test(code)) found.push(`${file}: ${what}`);
  for (const match of code.matchAll(/import\s+([^;]*?)\s+from\s+['"](node:)?http['"]/g)) {
    const allowed = SERVERS[file];
    if (!allowed?.test(match[1]!.trim())) found.push(`${file}: node:http (${match[1]!.trim()})`);
  }
  if (/require\(\s*['"](node:)?http['"]\s*\)|import\(\s*['"](node:)?http['"]\s*\)/.test(code)) found.push(`${file}: node:http`);
  // Octokit sends with the global fetch unless it is given ours.
  if (/from\s+['"]@octokit\/(rest|core)['"]/.test(code) && !/fetch:\s*layerFetch\(/.test(code)) found.push(`${file}: octokit without request.fetch`);
  return found;
}

describe('one HTTP layer', () => {
  it('no package source outside packages/http sends HTTP by itself', () => {
    const files = readdirSync(packagesDir)
      .filter((name) => name !== 'http')
      .flatMap((name) => {
        try {
          return sources(join(packagesDir, name, 'src'));
        } catch {
          return [];
        }
      });
    expect(files.length).toBeGreaterThan(50);
    const uses = files.filter((path) => !PLUGIN_SIDE.has(relative(root, path))).flatMap((path) => clientUses(relative(root, path), readFileSync(path, 'utf8')));
    expect(uses).toEqual([]);
  });

  it('recognises each way of sending', () => {
    const cases = [
      'const r = await fetch(url);',
      'globalThis.fetch(url)',
      "import { request } from 'node:https';",
      "import https from 'https';",
      "import { get } from 'node:http';",
      "import http from 'node:http';",
      "const { request } = require('http');",
      "import { request } from 'undici';",
      "const undici = await import('undici');",
      "import { Octokit } from '@octokit/rest';\nnew Octokit({ auth });",
    ];
    for (const text of cases) expect(clientUses('packages/x/src/a.ts', text), text).not.toEqual([]);
    expect(clientUses('packages/compat/src/stub-stack.ts', "import { createServer, type Server } from 'node:http';")).toEqual([]);
    expect(clientUses('packages/x/src/a.ts', "import { createServer } from 'node:http';")).not.toEqual([]);
    for (const text of ['const f = layerFetch();', 'registry.prefetch(x)', '// fetch(url) in a comment', 'await this.fetch(x)']) expect(clientUses('packages/x/src/a.ts', text), text).toEqual([]);
  });
});
