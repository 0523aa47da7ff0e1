// After the cluster suite: no controller log, node-agent log or task pod log may contain the S3 credentials the
// test cluster was started with (random per start, so a hit is a leak, never a coincidence). Returns the files
// that contain one; never prints the value itself.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

function* files(dir) {
  let entries;
  try { entries = readdirSync(dir, { withFileTypes: true }); } catch { return; }
  for (const e of entries) {
    const p = join(e.parentPath ?? dir, e.name);
    if (e.isDirectory()) yield* files(p);
    else if (e.isFile()) yield p;
  }
}

/** Log files the scan covers: the controller's and the node agent's, and every container log of every pod. */
export function scannedLogs(dir) {
  const out = [];
  for (const f of files(join(dir, 'logs'))) if (/\/(controller[^/]*|node-agent)\.log$/.test(f)) out.push(f);
  for (const f of files(join(dir, 'node', 'pods'))) if (/\/logs\/[^/]+\/\d+\.log$/.test(f)) out.push(f);
  return out;
}

export function secretScan(dir) {
  const stateFile = join(dir, 'state.json');
  if (!existsSync(stateFile)) return { scanned: 0, leaks: [] };
  const { s3 } = JSON.parse(readFileSync(stateFile, 'utf8'));
  const secrets = [s3.accessKey, s3.secretKey].filter((s) => typeof s === 'string' && s.length >= 12);
  const leaks = [];
  const logs = scannedLogs(dir);
  let bytes = 0;
  for (const f of logs) {
    const text = readFileSync(f, 'utf8');
    bytes += statSync(f).size;
    for (const [i, s] of secrets.entries()) if (text.includes(s)) leaks.push(`${f} contains the S3 ${i === 0 ? 'access key' : 'secret key'}`);
  }
  return { scanned: logs.length, bytes, leaks };
}
