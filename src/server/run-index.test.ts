import * as k8s from '@kubernetes/client-node';
import pino from 'pino';
import type { PipelineRunObject } from '../controller/types.js';
import { RunIndex } from './run-index.js';

const run = (uid: string, namespace = 'team-a'): PipelineRunObject =>
  ({ apiVersion: 'pipewright.dev/v1alpha1', kind: 'PipelineRun', metadata: { name: `r-${uid}`, namespace, uid }, spec: {} }) as PipelineRunObject;

describe('RunIndex', () => {
  const index = (): RunIndex => new RunIndex(new k8s.KubeConfig(), 'default', pino({ level: 'silent' }));

  it('knows a run it created at once', () => {
    const i = index();
    i.remember(run('u1'));
    expect(i.get('u1')?.metadata?.name).toBe('r-u1');
  });

  it('a run it deleted is gone at once and stays gone, though an older event or a create echo names it', () => {
    const i = index();
    i.remember(run('u1'));
    i.forget(run('u1'));
    expect(i.get('u1')).toBeUndefined();
    i.remember(run('u1'));
    expect(i.get('u1')).toBeUndefined();
    expect(i.namespacesFor('u1')).toEqual(['team-a']); // its history is looked for where it lived
  });

  it('forgetting one run keeps the others', () => {
    const i = index();
    i.remember(run('u1'));
    i.remember(run('u2', 'team-b'));
    i.forget(run('u1'));
    expect(i.get('u2')?.metadata?.namespace).toBe('team-b');
    expect(i.size).toBe(1);
  });
});
