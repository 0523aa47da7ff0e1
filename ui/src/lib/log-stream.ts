// Reading a task log as the server streams it: bytes decoded as UTF-8 across chunk boundaries, the text so far
// handed on after each chunk, so the view grows while the task still writes.

/** The server's cap on one log read (MAX_LOG_BYTES in src/server/ui.ts): a stream this long was cut there. */
export const LOG_CAP_BYTES = 1 << 20;

/** Reads the body to its end, calling onText with all the text so far; resolves with the bytes read. */
export async function readLogStream(body: ReadableStream<Uint8Array>, onText: (all: string) => void): Promise<number> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let text = '';
  let bytes = 0;
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    bytes += value.byteLength;
    text += decoder.decode(value, { stream: true });
    onText(text);
  }
  const tail = decoder.decode();
  if (tail) onText(text + tail);
  return bytes;
}
