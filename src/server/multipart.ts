// The one multipart/form-data field the upload endpoints read (`uploadfile`). Pure.
import { badRequest } from './mapping.js';

export interface UploadedFile {
  filename: string;
  content: Buffer;
}

export function multipartFile(contentType: string | undefined, body: Buffer, field = 'uploadfile'): UploadedFile {
  const m = /boundary=(?:"([^"]+)"|([^;]+))/i.exec(contentType ?? '');
  if (!/^multipart\/form-data/i.test(contentType ?? '') || !m) {
    throw badRequest(`upload the pipeline as multipart/form-data with the file in field "${field}" (got content-type ${contentType ?? 'none'})`);
  }
  const delimiter = Buffer.from(`--${m[1] ?? m[2]!.trim()}`);
  let at = body.indexOf(delimiter);
  while (at >= 0) {
    const start = at + delimiter.length;
    if (body.subarray(start, start + 2).toString() === '--') break;
    const headerEnd = body.indexOf('\r\n\r\n', start);
    if (headerEnd < 0) break;
    const headers = body.subarray(start, headerEnd).toString('utf8');
    const next = body.indexOf(delimiter, headerEnd + 4);
    if (next < 0) break;
    const disposition = /content-disposition:[^\r\n]*/i.exec(headers)?.[0] ?? '';
    const name = /\bname="([^"]*)"/i.exec(disposition)?.[1];
    if (name === field) {
      const filename = /\bfilename="([^"]*)"/i.exec(disposition)?.[1] ?? 'pipeline.yaml';
      return { filename, content: body.subarray(headerEnd + 4, next - 2) }; // the part ends with CRLF before the delimiter
    }
    at = next;
  }
  throw badRequest(`no file in multipart field "${field}": send the compiled pipeline YAML as ${field}`);
}
