import { describe, expect, it } from '@jest/globals';
import type { V1EnvVar } from '@kubernetes/client-node';
import { localTaskEnv } from './platform-local.js';

const field = (name: string, fieldPath: string): V1EnvVar => ({ name, valueFrom: { fieldRef: { fieldPath } } });
const secret = (name: string, secretName: string, key: string, optional = false): V1EnvVar => ({ name, valueFrom: { secretKeyRef: { name: secretName, key, optional } } });
const podMetadata = { labels: { team: 'ml' }, annotations: { 'example.com/note': 'hi' } };

describe('localTaskEnv', () => {
  it('gives constants, and pod labels and annotations through field paths (missing ones read as "")', () => {
    const r = localTaskEnv(
      [{ name: 'A', value: '1' }, field('TEAM', "metadata.labels['team']"), field('NOTE', 'metadata.annotations["example.com/note"]'), field('NONE', "metadata.labels['absent']")],
      { podMetadata, fieldPathAsEnv: [] },
      'train',
    );
    expect(r).toEqual({ env: { A: '1', TEAM: 'ml', NOTE: 'hi', NONE: '' }, warnings: [] });
  });

  it('names each setting it cannot apply, once, with the task and the kfp-kubernetes call', () => {
    const r = localTaskEnv(
      [field('POD', 'metadata.name'), secret('S1', 'creds', 'user'), secret('S2', 'creds', 'pass'), { name: 'C', valueFrom: { configMapKeyRef: { name: 'cfg', key: 'k' } } }],
      { podMetadata, nodeSelector: {}, tolerations: [], somethingNew: 1, activeDeadlineSeconds: 5 },
      'train',
    );
    expect(r.env).toEqual({});
    expect(r.warnings).toEqual([
      "task train: use_field_path_as_env POD='metadata.name' has no value locally (only metadata.labels['…'] and metadata.annotations['…'], from add_pod_label/add_pod_annotation); POD is not set",
      "task train: use_secret_as_env (Secret 'creds') needs a secrets directory locally; S1, S2 not set (pass --secrets-dir DIR with DIR/creds/<key> files)",
      "task train: use_config_map_as_env (ConfigMap 'cfg') is a cluster setting; C not set locally",
      'task train: add_pod_label/add_pod_annotation: a local task is no pod; they are read locally only through use_field_path_as_env',
      'task train: add_node_selector is a cluster setting; ignored locally',
      'task train: add_toleration is a cluster setting; ignored locally',
      'task train: kfp-kubernetes setting somethingNew is a cluster setting; ignored locally',
    ]);
  });

  it('reads Secrets from the secrets directory; a missing required key fails the task, an optional one is left unset', () => {
    const files: Record<string, string> = { 'creds/user': 'alice' };
    const secrets = { dir: '/s', read: (n: string, k: string) => files[`${n}/${k}`] };
    expect(localTaskEnv([secret('U', 'creds', 'user'), secret('O', 'creds', 'other', true)], undefined, 't', secrets)).toEqual({ env: { U: 'alice' }, warnings: [] });
    const r = localTaskEnv([secret('P', 'creds', 'pass')], undefined, 't', secrets);
    expect(r.error).toBe("use_secret_as_env: Secret 'creds' key 'pass' (for P) is not in the secrets directory: create /s/creds/pass, or mark it optional");
  });
});
