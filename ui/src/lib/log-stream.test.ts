import { describe, expect, it } from 'vitest';
import { readLogStream } from './log-stream';

function streamOf(chunks: Uint8Array[]): ReadableStream<Uint8Array> {
  return new ReadableStream({ start(c) { for (const x of chunks) c.enqueue(x); c.close(); } });
}

describe('readLogStream', () => {
  it('hands on the text so far after each chunk and counts the bytes', async () => {
    const seen: string[] = [];
    const enc = new TextEncoder();
    const bytes = await readLogStream(streamOf([enc.encode('one\n'), enc.encode('two\nthr'), enc.encode('ee\n')]), (t) => seen.push(t));
    expect(seen).toEqual(['one\n', 'one\ntwo\nthr', 'one\ntwo\nthree\n']);
    expect(bytes).toBe(14);
  });

  it('decodes a character split across two chunks', async () => {
    const all = new TextEncoder().encode('accuracy ≥ 0.9\n');
    const cut = all.indexOf(0xe2) + 1; // inside the 3-byte ≥
    const seen: string[] = [];
    await readLogStream(streamOf([all.slice(0, cut), all.slice(cut)]), (t) => seen.push(t));
    expect(seen.at(-1)).toBe('accuracy ≥ 0.9\n');
    expect(seen.join('')).not.toContain('\ufffd');
  });
});
