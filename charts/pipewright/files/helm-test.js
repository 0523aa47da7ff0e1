// helm test: create a small PipelineRun with the pod's own ServiceAccount token, wait for its outcome, delete it.
// Plain node (fetch), no dependencies: it runs from the chart's image.
const fs = require('node:fs');
const https = require('node:https');
const sa = '/var/run/secrets/kubernetes.io/serviceaccount';
const host = process.env.KUBERNETES_SERVICE_HOST;
const port = process.env.KUBERNETES_SERVICE_PORT;
const ns = process.env.NAMESPACE;
const agent = new https.Agent({ ca: fs.readFileSync(`${sa}/ca.crt`) });
const token = fs.readFileSync(`${sa}/token`, 'utf8').trim();
const base = `https://${host.includes(':') ? `[${host}]` : host}:${port}/apis/pipewright.dev/v1alpha1/namespaces/${ns}/pipelineruns`;

function call(method, url, body) {
  return new Promise((resolve, reject) => {
    const req = https.request(url, { method, agent, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' } }, (res) => {
      let text = '';
      res.on('data', (c) => { text += c; });
      res.on('end', () => (res.statusCode >= 300 ? reject(new Error(`${method} ${url}: ${res.statusCode} ${text}`)) : resolve(JSON.parse(text))));
    });
    req.on('error', reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

const pipeline = {
  apiVersion: 'pipewright.dev/v1alpha1', kind: 'PipelineSpec', metadata: { name: 'helm-test' },
  spec: {
    tasks: [
      { name: 'write', image: process.env.IMAGE,
        command: ['node', '-e', "const fs=require('fs');const p=process.argv[1];fs.mkdirSync(require('path').dirname(p),{recursive:true});fs.writeFileSync(p,'pipewright helm test\\n')", '{{outputs.artifacts.note.path}}'],
        outputs: { artifacts: [{ name: 'note', type: 'Dataset' }] } },
      { name: 'read', image: process.env.IMAGE,
        command: ['node', '-e', "const t=require('fs').readFileSync(process.argv[1],'utf8');if(!t.includes('helm test'))process.exit(1);console.log(t)", '{{inputs.artifacts.note.path}}'],
        inputs: { artifacts: [{ name: 'note', from: 'tasks.write.outputs.artifacts.note' }] } },
    ],
  },
};

async function main() {
  const run = await call('POST', base, {
    apiVersion: 'pipewright.dev/v1alpha1', kind: 'PipelineRun',
    metadata: { generateName: process.env.RUN_PREFIX, namespace: ns },
    spec: { pipelineYAML: JSON.stringify(pipeline) },
  });
  const name = run.metadata.name;
  console.log(`PipelineRun ${ns}/${name} created`);
  const deadline = Date.now() + Number(process.env.TIMEOUT_SECONDS || 300) * 1000;
  let phase;
  let message;
  while (Date.now() < deadline) {
    const r = await call('GET', `${base}/${name}`);
    phase = r.status?.phase;
    message = r.status?.message;
    if (['Succeeded', 'Failed', 'Error', 'Cancelled'].includes(phase)) break;
    await new Promise((res) => setTimeout(res, 2000));
  }
  console.log(`PipelineRun ${name}: ${phase ?? 'no phase'}${message ? `: ${message}` : ''}`);
  if (phase === 'Succeeded') await call('DELETE', `${base}/${name}`).catch(() => undefined);
  else console.log(`kept for inspection: kubectl -n ${ns} describe pipelinerun ${name}`);
  process.exit(phase === 'Succeeded' ? 0 : 1);
}
main().catch((e) => { console.error(e.message); process.exit(1); });
