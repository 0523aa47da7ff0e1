// Every malformed pipeline under test/malformed, through the real CLI (`validate` and `run`): exit code 2,
// exactly one stderr line per problem naming the file, the location and a fix, and never a stack trace.
import { beforeAll, describe, expect, it } from '@jest/globals';
import { execFile, execFileSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import * as path from 'node:path';

const repo = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../../..');

/** Per file: one pattern per expected line (after the `test/malformed/<file>: ` prefix). */
const CASES: Record<string, RegExp[]> = {
  'ir-yaml-syntax.yaml': [/^line \d+, column \d+: invalid YAML: Flow sequence .*\(fix: fix the YAML at that line/],
  'ir-unknown-schema-version.yaml': [/^schemaVersion: unknown schemaVersion "3\.0\.0"; supported: 2\.0\.0, 2\.1\.0 \(fix: compile with a KFP v2 SDK/],
  'ir-unknown-task.yaml': [/^root\.dag\.tasks\.combine\.inputs\.parameters\.count: task "combine" takes a value from unknown task "count-pyy" \(fix: did you mean 'count-py'\?\)$/],
  'ir-unknown-component.yaml': [/^root\.dag\.tasks\.greet-sh\.componentRef\.name: task "greet-sh" uses unknown component "comp-greet-shh" \(fix: did you mean 'comp-greet-sh'\?\)$/],
  'ir-unknown-executor.yaml': [/^components\.comp-count-py\.executorLabel: component comp-count-py names executor "exec-count-pi", which deploymentSpec\.executors does not define \(fix: did you mean 'exec-count-py'\?\)$/],
  'ir-unknown-output.yaml': [/^root\.dag\.tasks\.combine\.inputs\.parameters\.greeting: .*output parameter "greetings" of task "greet-sh", which has no such output \(fix: did you mean 'greeting'\?\)$/],
  'ir-unknown-input.yaml': [/^root\.dag\.tasks\.greet-sh\.inputs\.parameters\.name: .*pipeline parameter "nmae", which does not exist \(fix: did you mean 'name'\?/],
  'ir-artifact-type-mismatch.yaml': [/^root\.dag\.tasks\.combine\.inputs\.artifacts\.data: artifact "data" of task "combine" expects system\.Model but output artifact "data" of task "greet-sh" is system\.Dataset \(fix: /],
  'ir-parameter-type-mismatch.yaml': [/^root\.dag\.tasks\.combine\.inputs\.parameters\.count: input "count" of task "combine" is BOOLEAN but output "count" of task "count-py" is NUMBER_INTEGER \(fix: /],
  'ir-missing-argument.yaml': [/^root\.dag\.tasks\.evaluate-model\.inputs\.parameters\.min_accuracy: task "evaluate-model" does not set required input "min_accuracy" \(NUMBER_DOUBLE\) \(fix: bind /],
  'ir-wrong-constant-type.yaml': [/^components\.comp-condition-1\.dag\.tasks\.announce\.inputs\.parameters\.message: input "message" of task "announce" expects NUMBER_INTEGER, got "it is big" \(fix: /],
  'ir-condition-syntax.yaml': [/^root\.dag\.tasks\.condition-1\.triggerPolicy\.condition: condition of task "condition-1" `.*=== 'yes'` does not parse: .*\(fix: write a CEL expression/],
  'ir-condition-unknown-input.yaml': [/^root\.dag\.tasks\.condition-1\.triggerPolicy\.condition: .*reads inputs\.parameter_values\['pipelinechannel--size-of-output'\], which the task does not have as an input \(fix: did you mean 'pipelinechannel--size-of-Output'\?/],
  'ir-unknown-placeholder.yaml': [/^deploymentSpec\.executors\.exec-greet-sh\.container\.args\[2\]: unknown placeholder \{\{\$\.input\.parameters\['name'\]\}\} \(fix: use one of /],
  'ir-loop-not-list.yaml': [/^root\.dag\.tasks\.for-loop-1\.parameterIterator: loop of task "for-loop-1" iterates over pipeline parameter "xs", which is NUMBER_INTEGER, not a list \(fix: /],
  'ir-cycle.yaml': [/^root\.dag\.tasks\.greet-sh\.dependentTasks: tasks form a cycle: combine -> greet-sh -> combine \(fix: break the cycle/],
  'native-yaml-syntax.yaml': [/^line \d+, column \d+: invalid YAML: Missing closing "quote \(fix: /],
  'native-unknown-api-version.yaml': [/^apiVersion: unsupported apiVersion "pipewright\.dev\/v2" \(fix: use apiVersion: pipewright\.dev\/v1alpha1\)$/],
  'native-unknown-field.yaml': [/^spec\.tasks\[b\]\.dependOn: unknown field "dependOn" \(fix: did you mean 'dependsOn'\?\)$/],
  'native-cycle.yaml': [/^spec\.tasks\[train\]\.dependsOn: tasks form a cycle: prepare -> train -> evaluate -> prepare \(fix: break the cycle/],
  'native-unknown-task.yaml': [/^spec\.tasks\[report\]\.inputs\.parameters\[score\]: task "report" takes a value from unknown task "trian" \(fix: did you mean 'train'\?\)$/],
  'native-type-mismatch.yaml': [/^spec\.tasks\[consume\]\.inputs\.parameters\[n\]: input "n" of task "consume" is integer but output "count" of task "produce" is string \(fix: /],
  'native-missing-argument.yaml': [/^spec\.tasks\[train\]\.inputs\.parameters\[epochs\]: task "train" does not set required input "epochs" \(integer\) \(fix: give "epochs" a value or from/],
  'native-wrong-constant.yaml': [/^spec\.tasks\[train\]\.inputs\.parameters\[lr\]: input "lr" of task "train" expects number, got "fast" \(fix: /],
  'native-invalid-default.yaml': [/^spec\.params\[epochs\]\.default: default of parameter "epochs" of the pipeline expects integer, got "ten" \(fix: /],
  'native-condition-type.yaml': [/^spec\.tasks\[big\]\.when: condition of task "big" `inputs\.n > "2"` is ill-typed: no such overload: int > string \(fix: /],
  'native-condition-unknown-input.yaml': [/^spec\.tasks\[big\]\.when: condition of task "big" reads inputs\.count, which the task does not have as an input parameter \(fix: use one of the known inputs: n/],
  'native-unknown-placeholder.yaml': [/^spec\.tasks\[greet\]\.command\[1\]: unknown placeholder \{\{input\.parameters\.name\}\} \(fix: use one of \{\{inputs\.parameters\.NAME\}\}/],
  'native-loop-not-list.yaml': [/^spec\.tasks\[work\]\.loop: loop of task "work" iterates over pipeline parameter "shards", which is integer, not a list \(fix: /],
  'not-a-pipeline.yaml': [/^this is not a pipeline: the file is a Kubernetes object \(apps\/v1, Deployment\) \(fix: pass a KFP pipeline compiled to YAML/],
};

interface Outcome {
  code: number;
  stdout: string;
  stderr: string;
}

function cli(args: string[]): Promise<Outcome> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['bin/pipewright.js', ...args], { cwd: repo, timeout: 300_000, env: { ...process.env, PIPEWRIGHT_DEBUG: '' } }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

/** Rebuilds dist/ when any source file is newer (the CLI under test is the built one). */
function ensureBuilt(): void {
  const built = path.join(repo, 'dist/cli/main.js');
  const stamp = (() => { try { return statSync(built).mtimeMs; } catch { return 0; } })();
  const newest = (dir: string): number =>
    readdirSync(dir, { withFileTypes: true }).reduce((m, e) => {
      const p = path.join(dir, e.name);
      return Math.max(m, e.isDirectory() ? newest(p) : e.name.endsWith('.ts') ? statSync(p).mtimeMs : 0);
    }, 0);
  if (newest(path.join(repo, 'src')) > stamp) execFileSync('npm', ['run', '--silent', 'build'], { cwd: repo, stdio: 'inherit' });
}

const files = readdirSync(path.join(repo, 'test/malformed')).filter((f) => f.endsWith('.yaml')).sort();
const results = new Map<string, Outcome>();

beforeAll(async () => {
  ensureBuilt();
  const jobs = files.flatMap((f) => (['validate', 'run'] as const).map((cmd) => ({ key: `${cmd} ${f}`, args: [cmd, `test/malformed/${f}`] })));
  // Two at a time: the machine is shared.
  const worker = async (): Promise<void> => {
    for (let job = jobs.shift(); job; job = jobs.shift()) results.set(job.key, await cli(job.args));
  };
  await Promise.all([worker(), worker()]);
}, 600_000);

describe('malformed pipelines', () => {
  it('every file under test/malformed has expectations, and there are at least 14', () => {
    expect(files.filter((f) => !CASES[f])).toEqual([]);
    expect(files.length).toBeGreaterThanOrEqual(14);
  });

  describe.each(files.map((f) => [f]))('%s', (file) => {
    it.each([['validate'], ['run']])('%s: exit 2, one line per problem with location and fix, no stack trace', (cmd) => {
      const r = results.get(`${cmd} ${file}`)!;
      const lines = r.stderr.split('\n').filter((l) => l.trim() !== '');
      expect(lines.filter((l) => /^\s+at /.test(l))).toEqual([]);
      const prefix = `test/malformed/${file}: `;
      const expected = CASES[file] ?? [];
      // stderr in the comparison so a failure shows what the CLI printed.
      expect({ code: r.code, lines: lines.length, stderr: r.stderr }).toEqual({ code: 2, lines: expected.length, stderr: expect.any(String) });
      lines.forEach((line, i) => {
        expect(line.startsWith(prefix)).toBe(true);
        expect(line.slice(prefix.length)).toMatch(expected[i]!);
        expect(line).toContain('(fix: ');
      });
      if (cmd === 'validate') expect(r.stdout).toBe('');
    });
  });
});

describe('an oci:// (modelcar) importer: valid (the cluster mounts it), refused by the local runner', () => {
  it('validate accepts it; run exits 2 naming the task, the field and the fix', async () => {
    const file = 'test/fixtures/ir/compat/modelcar.yaml';
    expect((await cli(['validate', file])).code).toBe(0);
    const r = await cli(['run', file]);
    expect({ code: r.code, stderr: r.stderr.trim() }).toEqual({
      code: 2,
      stderr: expect.stringMatching(/^test\/fixtures\/ir\/compat\/modelcar\.yaml: deploymentSpec\.executors\.exec-importer\.importer\.artifactUri\.constant: task "importer": artifact URI oci:\/\/registry\.example\/models\/demo:1\.0 is an OCI image \(modelcar\); the local runner cannot mount images .*\(fix: run it on the cluster/),
    });
  });
});

describe('--output json on exit 2', () => {
  it('prints one JSON document with the errors: a malformed pipeline, a missing argument, an unknown option', async () => {
    ensureBuilt();
    const malformed = await cli(['run', '--output', 'json', 'test/malformed/ir-cycle.yaml']);
    expect(malformed.code).toBe(2);
    const doc = JSON.parse(malformed.stdout) as { phase: string; exitCode: number; message: string; errors: { code: string; message: string; fix?: string; file?: string; path?: string }[] };
    expect(doc).toMatchObject({ phase: 'Invalid', exitCode: 2 });
    expect(doc.errors[0]).toMatchObject({ code: 'CYCLE', file: 'test/malformed/ir-cycle.yaml', path: 'root.dag.tasks.greet-sh.dependentTasks' });
    expect(doc.errors[0]!.fix).toMatch(/break the cycle/);
    expect(doc.message).toMatch(/tasks form a cycle.*\(fix: break the cycle/);

    const missing = await cli(['run', '-o', 'json']);
    expect(missing.code).toBe(2);
    expect(JSON.parse(missing.stdout)).toEqual({ phase: 'Invalid', exitCode: 2, message: "missing required argument 'pipeline'", errors: [{ code: 'commander.missingArgument', message: "missing required argument 'pipeline'" }] });

    const unknown = await cli(['run', '--output=json', '--nope', 'x.yaml']);
    expect(unknown.code).toBe(2);
    expect((JSON.parse(unknown.stdout) as { errors: { code: string }[] }).errors[0]!.code).toBe('commander.unknownOption');
    // Without --output json stdout stays empty.
    expect((await cli(['run'])).stdout).toBe('');
  }, 120_000);
});
