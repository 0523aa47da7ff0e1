// The head of a Dataset as rows: CSV (quotes, escaped quotes, CRLF) or JSON lines. The text may end mid-row
// (a byte-capped read): an unfinished last line is dropped. Pure.

export interface Table {
  columns: string[];
  rows: string[][];
}

export function parseCsv(text: string, maxRows: number, truncated: boolean): Table {
  const records: string[][] = [];
  let field = '';
  let row: string[] = [];
  let quoted = false;
  let i = 0;
  const endRow = (): void => {
    row.push(field);
    records.push(row);
    row = [];
    field = '';
  };
  while (i < text.length && records.length <= maxRows) {
    const c = text.charAt(i);
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') { field += '"'; i += 2; continue; }
      if (c === '"') { quoted = false; i++; continue; }
      field += c; i++; continue;
    }
    if (c === '"') { quoted = true; i++; continue; }
    if (c === ',') { row.push(field); field = ''; i++; continue; }
    if (c === '\r' && text[i + 1] === '\n') { endRow(); i += 2; continue; }
    if (c === '\n') { endRow(); i++; continue; }
    field += c; i++;
  }
  // The last line without a newline is whole only if the read was not cut.
  if (i >= text.length && (field !== '' || row.length) && !truncated) endRow();
  const [header = [], ...rows] = records;
  return { columns: header, rows: rows.slice(0, maxRows) };
}

export function parseJsonLines(text: string, maxRows: number, truncated: boolean): Table {
  const lines = text.split('\n');
  if (truncated) lines.pop();
  const objects: Record<string, unknown>[] = [];
  for (const line of lines) {
    if (objects.length >= maxRows) break;
    if (!line.trim()) continue;
    try {
      const v = JSON.parse(line) as unknown;
      objects.push(v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : { value: v });
    } catch {
      objects.push({ '(not JSON)': line });
    }
  }
  const columns = [...new Set(objects.flatMap((o) => Object.keys(o)))];
  const cell = (v: unknown): string => (v === undefined ? '' : typeof v === 'string' ? v : JSON.stringify(v));
  return { columns, rows: objects.map((o) => columns.map((c) => cell(o[c]))) };
}

/** CSV or JSON lines, by the URI's extension and else by the first character. */
export function parseHead(uri: string, text: string, maxRows: number, truncated: boolean): Table {
  const jsonl = /\.(jsonl|ndjson|json)$/i.test(uri) || (!/\.csv$/i.test(uri) && text.trimStart().startsWith('{'));
  return jsonl ? parseJsonLines(text, maxRows, truncated) : parseCsv(text, maxRows, truncated);
}
