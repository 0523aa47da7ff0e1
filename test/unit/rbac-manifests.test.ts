// The Helm chart grants exactly what deploy/rbac.yaml grants (the manifest the RBAC audit test runs the controller
// with): both copies of the rules are compared here, so the audit's verdict holds for the chart too.
import { readFileSync } from 'node:fs';
import { parse, parseAllDocuments } from 'yaml';

interface Rule { apiGroups: string[]; resources: string[]; verbs: string[]; resourceNames?: string[] }
interface Doc { kind: string; metadata: { name: string; namespace?: string }; rules?: Rule[] }

const deployDocs = parseAllDocuments(readFileSync('deploy/rbac.yaml', 'utf8')).map((d) => d.toJS() as Doc);
const helpers = readFileSync('charts/pipewright/templates/_helpers.tpl', 'utf8');

function chartRules(name: string): Rule[] {
  const m = new RegExp(`\\{\\{- define "${name}" -\\}\\}\\n([\\s\\S]*?)\\{\\{- end \\}\\}`).exec(helpers);
  if (!m) throw new Error(`_helpers.tpl has no define "${name}"`);
  // The chart names its release's Lease; the release "pipewright" gets deploy/'s name (chart.test.ts renders it).
  return parse(m[1]!.replace('{{ include "pipewright.leaseName" . | quote }}', '"pipewright-leader-election"')) as Rule[];
}

describe('RBAC manifests', () => {
  it('the chart\'s controller rules are deploy/rbac.yaml\'s ClusterRole rules', () => {
    const cr = deployDocs.find((d) => d.kind === 'ClusterRole');
    expect(chartRules('pipewright.controllerRules')).toEqual(cr?.rules);
  });

  it('the chart\'s Lease rules are deploy/rbac.yaml\'s leader-election Role, which lives in the controller\'s namespace', () => {
    const role = deployDocs.find((d) => d.kind === 'Role' && d.metadata.name === 'pipewright-leader-election');
    expect(role?.metadata.namespace).toBe('pipewright-system');
    expect(chartRules('pipewright.leaseRules')).toEqual(role?.rules);
    // Leases appear nowhere else: no cluster-wide Lease rights.
    expect(deployDocs.filter((d) => d.kind === 'ClusterRole').flatMap((d) => d.rules ?? []).some((r) => r.resources.includes('leases'))).toBe(false);
  });

  it('grants nothing on Secrets, ConfigMaps or wildcards', () => {
    for (const r of deployDocs.flatMap((d) => d.rules ?? [])) {
      expect(r.resources.filter((x) => ['secrets', 'configmaps', '*'].includes(x))).toEqual([]);
      expect(r.verbs).not.toContain('*');
      expect(r.apiGroups).not.toContain('*');
    }
  });
});
