// Secrets, ConfigMaps and the downward API reach containers as environment variables and as files.
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { createNamespace, kubectlOk, waitForPhase } from './helpers.js';

jest.setTimeout(120_000);

let ns: string;
let remove: () => Promise<void>;
beforeAll(async () => ({ name: ns, remove } = await createNamespace('cfg')));
afterAll(async () => remove());

describe('configuration into containers', () => {
  it('delivers Secret and ConfigMap values as env and files, and labels and the pod name via the downward API', async () => {
    await kubectlOk(['create', 'secret', 'generic', 'creds', '-n', ns, '--from-literal=password=s3cr3t!', '--from-literal=user=alice']);
    await kubectlOk(['create', 'configmap', 'settings', '-n', ns, '--from-literal=mode=fast', '--from-literal=level=7']);
    await kubectlOk(['apply', '-n', ns, '-f', '-'], JSON.stringify({
      apiVersion: 'v1', kind: 'Pod', metadata: { name: 'cfg-pod', labels: { app: 'demo', tier: 'back' } },
      spec: {
        restartPolicy: 'Never',
        volumes: [
          { name: 'sec', secret: { secretName: 'creds' } },
          { name: 'cm', configMap: { name: 'settings', items: [{ key: 'mode', path: 'conf/mode.txt' }] } },
          { name: 'info', downwardAPI: { items: [
            { path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } },
            { path: 'name', fieldRef: { fieldPath: 'metadata.name' } }] } },
        ],
        containers: [{
          name: 'main', image: 'python:3.11', workingDir: '/etc/cm',
          env: [
            { name: 'PASSWORD', valueFrom: { secretKeyRef: { name: 'creds', key: 'password' } } },
            { name: 'MODE', valueFrom: { configMapKeyRef: { name: 'settings', key: 'mode' } } },
            { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
            { name: 'POD_NS', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
            { name: 'APP', valueFrom: { fieldRef: { fieldPath: "metadata.labels['app']" } } },
            { name: 'GREETING', value: 'hello $(POD_NAME)' },
          ],
          envFrom: [{ configMapRef: { name: 'settings' }, prefix: 'CM_' }, { secretRef: { name: 'creds' } }],
          volumeMounts: [
            { name: 'sec', mountPath: '/etc/secret', readOnly: true },
            { name: 'cm', mountPath: '/etc/cm' },
            { name: 'info', mountPath: '/etc/podinfo' },
          ],
          command: ['python3', '-c', [
            'import os, json',
            "keys = ['PASSWORD','MODE','POD_NAME','POD_NS','APP','GREETING','CM_mode','CM_level','user']",
            'env = {k: os.environ.get(k) for k in keys}',
            "files = {p: open(p).read() for p in ['/etc/secret/password','/etc/secret/user','conf/mode.txt','/etc/podinfo/labels','/etc/podinfo/name']}",
            "print(json.dumps({'env': env, 'files': files, 'cwd': os.getcwd()}))",
          ].join('\n')],
        }],
      },
    }));
    const p = await waitForPhase(ns, 'cfg-pod', ['Succeeded', 'Failed']);
    const logs = await kubectlOk(['logs', '-n', ns, 'cfg-pod']);
    expect(p.status?.phase).toBe('Succeeded');
    const out = JSON.parse(logs) as { env: Record<string, string>; files: Record<string, string>; cwd: string };
    expect(out.env).toEqual({
      PASSWORD: 's3cr3t!', MODE: 'fast', POD_NAME: 'cfg-pod', POD_NS: ns, APP: 'demo', GREETING: 'hello cfg-pod',
      CM_mode: 'fast', CM_level: '7', user: 'alice',
    });
    expect(out.files).toEqual({
      '/etc/secret/password': 's3cr3t!', '/etc/secret/user': 'alice', 'conf/mode.txt': 'fast',
      '/etc/podinfo/labels': 'app="demo"\ntier="back"', '/etc/podinfo/name': 'cfg-pod',
    });
    expect(out.cwd).toBe('/etc/cm');
  });
});
