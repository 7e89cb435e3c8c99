import { parse as parseYaml } from 'yaml';
import { describe, expect, it } from 'vitest';
import type { Display } from '@fctl-kit/protocol';
import { render, shouldUseColor } from './index.js';

const table: Display = {
  rowsPath: '$.cursor.data',
  columns: [
    { header: 'ID', jsonPath: '$.id', format: 'number' },
    { header: 'NAME', jsonPath: '$.name' },
    { header: 'AT', jsonPath: '$.at', format: 'timestamp' },
    { header: 'FIRST TAG', jsonPath: '$.tags[0]' },
    { header: 'ODD KEY', jsonPath: '$["odd key"]' },
  ],
};
const data = {
  cursor: {
    data: [
      { id: 7, name: 'café', at: '2026-05-14T10:00:00.000Z', tags: ['a'], 'odd key': true },
      { id: 1234, name: '日本', at: 1778752800123, tags: [] },
    ],
  },
};

describe('render plain tables', () => {
  it('aligns columns by terminal width, numbers to the right, missing values empty', async () => {
    const text = await render(data, { format: 'plain', display: table, color: false });
    expect(text).toBe(
      [
        '  ID   NAME   AT                         FIRST TAG   ODD KEY',
        '   7   café   2026-05-14T10:00:00Z       a           true',
        '1234   日本   2026-05-14T10:00:00.123Z',
        '',
      ].join('\n'),
    );
  });

  it('prints the header and "No items." for an empty list', async () => {
    expect(await render({ cursor: { data: [] } }, { format: 'plain', display: table, color: false })).toBe(
      'ID   NAME   AT   FIRST TAG   ODD KEY\nNo items.\n',
    );
  });

  it('says when the data does not match the display schema', async () => {
    await expect(render({ cursor: {} }, { format: 'plain', display: table, color: false })).rejects.toThrow(
      'the display schema expects a list at $.cursor.data, but the data has nothing there',
    );
  });

  it('neutralises terminal escape sequences in plugin data and in the display schema', async () => {
    const text = await render([{ id: 1, name: '\u001b]0;pwned\u0007\u001b[2Jx\r\n\u009b31m' }], {
      format: 'plain',
      display: { columns: [{ header: 'NA\u001b[31mME\u202e', jsonPath: '$.name' }] },
      color: false,
    });
    expect(text).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e]/);
    expect(text).toBe('NAME\ufffd\nx\ufffd\ufffd\n');
  });

  it('uses bold headers only when color is on', async () => {
    const display: Display = { columns: [{ header: 'ID', jsonPath: '$.id' }] };
    expect(await render([{ id: 1 }], { format: 'plain', display, color: true })).toContain('\u001b[1m');
    expect(await render([{ id: 1 }], { format: 'plain', display, color: false })).not.toContain('\u001b');
  });
});

describe('render plain sections', () => {
  it('renders fields aligned by label and an embedded table', async () => {
    const display: Display = {
      sections: [
        { title: 'Transaction', fields: [{ label: 'ID', jsonPath: '$.id', format: 'number' }, { label: 'Reference', jsonPath: '$.reference' }, { label: 'Reverted', jsonPath: '$.reverted', format: 'boolean' }] },
        { title: 'Postings', rowsPath: '$.postings', columns: [{ header: 'SOURCE', jsonPath: '$.source' }, { header: 'AMOUNT', jsonPath: '$.amount', format: 'number' }] },
      ],
    };
    const text = await render(
      { id: 3, reference: 'ref-3', reverted: false, postings: [{ source: 'world', amount: 100 }, { source: 'users:1', amount: 5 }] },
      { format: 'plain', display, color: false },
    );
    expect(text).toBe(
      ['Transaction', 'ID:         3', 'Reference:  ref-3', 'Reverted:   no', '', 'Postings', '  SOURCE    AMOUNT', '  world        100', '  users:1        5', ''].join('\n'),
    );
  });
});

describe('render large results', () => {
  const rows = Array.from({ length: 200_000 }, (_, i) => ({ id: i }));
  it('a table of 200,000 rows, alone or in a section (no argument spreading that overflows the stack)', async () => {
    const table = await render(rows, { format: 'plain', display: { columns: [{ header: 'ID', jsonPath: '$.id', format: 'number' }] }, color: false });
    expect(table.split('\n')).toHaveLength(200_002);
    expect(table.endsWith('199999\n')).toBe(true);
    const display: Display = { sections: [{ title: 'All', rowsPath: '$.rows', columns: [{ header: 'ID', jsonPath: '$.id' }] }] };
    const sections = await render({ rows }, { format: 'plain', display, color: false });
    expect(sections.split('\n')).toHaveLength(200_003);
  }, 60_000);
});

describe('render json and yaml', () => {
  const value = { a: [1, 'two', { three: null }], b: 'text: with colon' };
  it('json round-trips', async () => {
    expect(JSON.parse(await render(value, { format: 'json', color: true, display: table }))).toEqual(value);
  });
  it('yaml round-trips, and is the plain fallback without a display schema', async () => {
    const yaml = await render(value, { format: 'yaml', color: false });
    expect(parseYaml(yaml)).toEqual(value);
    expect(await render(value, { format: 'plain', color: false })).toBe(yaml);
  });
});

describe('plugin text in sections, json and yaml', () => {
  const hostile = { 'k\u009bey': 'v\u001b[2Jal\u202eue', list: ['\u007f', 'line\nbreak'] };
  const unsafe = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e]/;

  it('section titles and field labels are neutralised', async () => {
    const display: Display = { sections: [{ title: 'T\u001b]0;x\u0007itle', fields: [{ label: 'La\u0085bel', jsonPath: '$.a' }] }] };
    expect(await render({ a: 1 }, { format: 'plain', display, color: false })).toBe('Title\nLa\ufffdbel:  1\n');
  });

  it.each(['json', 'yaml'] as const)('%s keeps the data exact and writes unsafe characters as escapes', async (format) => {
    const text = await render(hostile, { format, color: false });
    expect(text).not.toMatch(unsafe);
    expect(format === 'json' ? JSON.parse(text) : parseYaml(text)).toEqual(hostile);
  });

  it('the yaml fallback of plain output is escaped the same way', async () => {
    expect(await render(hostile, { format: 'plain', color: false })).toBe(await render(hostile, { format: 'yaml', color: false }));
  });
});

describe('shouldUseColor', () => {
  const tty = { isTTY: true };
  it('follows the terminal, NO_COLOR, TERM=dumb, FORCE_COLOR and --no-color', () => {
    expect(shouldUseColor(tty, {}, false)).toBe(true);
    expect(shouldUseColor({ isTTY: false }, {}, false)).toBe(false);
    expect(shouldUseColor(tty, { NO_COLOR: '1' }, false)).toBe(false);
    expect(shouldUseColor(tty, { NO_COLOR: '' }, false)).toBe(true);
    expect(shouldUseColor(tty, { TERM: 'dumb' }, false)).toBe(false);
    expect(shouldUseColor({ isTTY: false }, { FORCE_COLOR: '1' }, false)).toBe(true);
    expect(shouldUseColor(tty, { FORCE_COLOR: '1' }, true)).toBe(false);
  });
});
