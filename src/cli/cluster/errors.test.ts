import { describe, expect, it } from '@jest/globals';
import { forbiddenMessage, notFoundMessage, similarNames, userOf } from './errors.js';

describe('similar names', () => {
  const runs = ['training-x7k2p', 'training-a9c1d', 'hello-q1w2e', 'hellp', 'deploy-7'];

  it('finds generated names from their prefix, and typos', () => {
    expect(similarNames('training', runs)).toEqual(['training-a9c1d', 'training-x7k2p']);
    expect(similarNames('helo-q1w2e', runs)).toEqual(['hello-q1w2e']);
    expect(similarNames('hello', runs)).toEqual(['hello-q1w2e', 'hellp']); // a generated name first
    expect(similarNames('zzz', runs)).toEqual([]);
    expect(similarNames('training-x7k2q', runs)).toEqual(['training-x7k2p']);
    expect(similarNames('deploy-7', runs)).toEqual([]); // not itself
  });

  it('caps the list', () => {
    expect(similarNames('r', Array.from({ length: 20 }, (_, i) => `r-${i}`), 3)).toHaveLength(3);
  });

  it('says what to do when nothing is close', () => {
    expect(notFoundMessage('PipelineRun', 'x', 'team', ['x-1'], 'pipewright list -n team')).toBe('PipelineRun "x" not found in namespace "team"; did you mean: x-1?');
    expect(notFoundMessage('PipelineRun', 'x', 'team', [], 'pipewright list -n team')).toMatch(/see: pipewright list -n team; another namespace: -n NAMESPACE/);
  });
});

describe('forbidden', () => {
  const server = 'pipelineruns.pipewright.dev is forbidden: User "alice" cannot list resource "pipelineruns" in API group "pipewright.dev" in the namespace "team"';

  it('names the verb, the resource, the namespace and the rule that would allow it', () => {
    const m = forbiddenMessage({ verb: 'list', resource: 'pipelineruns', group: 'pipewright.dev', namespace: 'team' }, server, userOf(server));
    expect(m).toMatch(/^forbidden: user "alice" may not list pipelineruns\.pipewright\.dev in namespace "team"\./);
    expect(m).toContain('{apiGroups: ["pipewright.dev"], resources: ["pipelineruns"], verbs: ["list"]} bound in "team"');
    expect(forbiddenMessage({ verb: 'get', resource: 'pods', subresource: 'log', namespace: 'n' }, 'x')).toContain('resources: ["pods/log"]');
    expect(forbiddenMessage({ verb: 'list', resource: 'pipelineruns', group: 'pipewright.dev' }, 'x')).toMatch(/cluster-wide.*in a ClusterRole/);
  });
});
