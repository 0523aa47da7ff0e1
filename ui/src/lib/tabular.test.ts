import { describe, expect, it } from 'vitest';
import { parseCsv, parseHead, parseJsonLines } from './tabular';

describe('dataset head', () => {
  it('reads CSV with quotes, escaped quotes, commas and CRLF', () => {
    expect(parseCsv('a,b\r\n"x, y","say ""hi"""\r\n1,2\r\n', 10, false)).toEqual({ columns: ['a', 'b'], rows: [['x, y', 'say "hi"'], ['1', '2']] });
  });

  it('drops the unfinished last row of a byte-capped read, keeps it when the file is whole', () => {
    expect(parseCsv('a,b\n1,2\n3,', 10, true).rows).toEqual([['1', '2']]);
    expect(parseCsv('a,b\n1,2\n3,4', 10, false).rows).toEqual([['1', '2'], ['3', '4']]);
  });

  it('stops at maxRows', () => {
    const text = `x\n${Array.from({ length: 500 }, (_, i) => i).join('\n')}\n`;
    expect(parseCsv(text, 50, false).rows).toHaveLength(50);
  });

  it('reads JSON lines: union of keys as columns, values as text, bad lines shown', () => {
    expect(parseJsonLines('{"a":1}\n{"b":[2]}\nnope\n{"a":', 10, true)).toEqual({
      columns: ['a', 'b', '(not JSON)'], rows: [['1', '', ''], ['', '[2]', ''], ['', '', 'nope']],
    });
  });

  it('chooses the format by extension, else by the first character', () => {
    expect(parseHead('minio://b/x/data.jsonl', '{"a":1}\n', 5, false).columns).toEqual(['a']);
    expect(parseHead('minio://b/x/dataset', '{"a":1}\n', 5, false).columns).toEqual(['a']);
    expect(parseHead('minio://b/x/dataset', 'a,b\n1,2\n', 5, false).columns).toEqual(['a', 'b']);
  });
});
