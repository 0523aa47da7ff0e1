import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { lstatSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isKfpPythonComponent, stagerProgram, withSetPathStaging, type StagingMounts } from './set-path-staging.js';

// kfp.compiler's command for a @dsl.component (shortened): the user's code runs under `python3 -m kfp.dsl.executor_main`.
const KFP_COMMAND = ['sh', '-c', 'python3 -m pip install kfp && "$0" "$@"', 'sh', '-ec', 'python3 -m kfp.dsl.executor_main "$@"'];

describe('withSetPathStaging', () => {
  it('leaves container components and image entrypoints as they are', () => {
    expect(withSetPathStaging(['echo'], ['hi'], '/x/out.json', { shared: ['/tmp'], private: [] })).toEqual({ command: ['echo'], args: ['hi'] });
    expect(withSetPathStaging([], ['--executor_input', 'kfp.dsl.executor_main'], '/x/out.json', { shared: ['/tmp'], private: [] }))
      .toEqual({ command: [], args: ['--executor_input', 'kfp.dsl.executor_main'] });
    expect(isKfpPythonComponent(KFP_COMMAND, [])).toBe(true);
  });

  it('keeps the user\'s command and arguments as argv entries, never in the script', () => {
    const hostile = `'; rm -rf / #"$(id)`;
    const { command, args } = withSetPathStaging(KFP_COMMAND, ['--executor_input', hostile], '/minio/b/r/t/executor_output.json', { shared: ['/tmp'], private: [] });
    expect(args).toEqual([]);
    expect(command.slice(0, 2)).toEqual(['sh', '-c']);
    expect(command.slice(3)).toEqual(['pipewright-main', '/minio/b/r/t/executor_output.json', ...KFP_COMMAND, '--executor_input', hostile]);
    expect(command[2]).not.toContain(hostile);
  });

  it('keeps a quote in a user\'s mount path inside the Python literal', () => {
    const program = stagerProgram({ shared: ['/tmp'], private: ["/tmp/it's", '__STAGE__'] });
    expect(program).not.toContain("'");
    expect(program).toContain('"/tmp/it\\u0027s"');
    expect(program).toContain('"__STAGE__"'); // substituted once, not again as a marker
  });
});

describe('the staging step, run with sh and python3', () => {
  let dir: string;
  let mounts: StagingMounts;
  let out: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'pw-setpath-'));
    for (const d of ['shared', 'shared/private', 'elsewhere']) mkdirSync(join(dir, d));
    mounts = { shared: [join(dir, 'shared')], private: [join(dir, 'shared', 'private')], stageDir: join(dir, 'shared', 'kfp', 'set-path') };
    out = join(dir, 'shared', 'executor_output.json');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  /** Runs `python3 -c <task>` (standing in for the user's command) wrapped with the staging step. */
  const run = (task: string): { status: number | null; stderr: string } => {
    const { command } = withSetPathStaging(['python3', '-c', task, 'kfp.dsl.executor_main'], [], out, mounts);
    const r = spawnSync(command[0]!, command.slice(1), { encoding: 'utf8' });
    return { status: r.status, stderr: r.stderr };
  };
  const report = (paths: Record<string, string>): string =>
    `import json; json.dump({"artifacts": {k: {"artifacts": [{"custom_path": v}]} for k, v in ${JSON.stringify(paths)}.items()}}, open(${JSON.stringify(out)}, "w"))`;
  const reported = (): Record<string, string> => {
    const doc = JSON.parse(readFileSync(out, 'utf8')) as { artifacts: Record<string, { artifacts: { custom_path: string }[] }> };
    return Object.fromEntries(Object.entries(doc.artifacts).map(([k, v]) => [k, v.artifacts[0]!.custom_path]));
  };

  it('copies files and folders outside the shared mounts (or in a private volume) into the stage, and points the output there', () => {
    const file = join(dir, 'elsewhere', 'model.txt');
    const folder = join(dir, 'elsewhere', 'data');
    const priv = join(dir, 'shared', 'private', 'p.txt');
    const inside = join(dir, 'shared', 'kept.txt');
    const task = [
      `open(${JSON.stringify(file)}, "w").write("weights")`,
      `import os; os.makedirs(${JSON.stringify(join(folder, 'sub'))}); open(${JSON.stringify(join(folder, 'sub', 'a.csv'))}, "w").write("1,2")`,
      `os.chmod(${JSON.stringify(join(folder, 'sub', 'a.csv'))}, 0o600)`,
      `open(${JSON.stringify(priv)}, "w").write("private")`,
      `open(${JSON.stringify(inside)}, "w").write("shared")`,
      report({ model: file, data: folder, priv, inside }),
    ].join('\n');
    expect(run(task)).toMatchObject({ status: 0 });
    const paths = reported();
    expect(paths.inside).toBe(inside); // the outputs step sees it already
    for (const k of ['model', 'data', 'priv']) expect(paths[k]!.startsWith(`${mounts.stageDir}/`)).toBe(true);
    expect(readFileSync(paths.model!, 'utf8')).toBe('weights');
    expect(readFileSync(paths.priv!, 'utf8')).toBe('private');
    expect(readFileSync(join(paths.data!, 'sub', 'a.csv'), 'utf8')).toBe('1,2');
    // Readable by the outputs step's uid, whatever the task's umask or chmod.
    expect(statSync(join(paths.data!, 'sub', 'a.csv')).mode & 0o004).toBe(0o004);
  });

  it('keeps a symbolic link a link (the outputs step refuses it) and a missing path as reported', () => {
    const link = join(dir, 'elsewhere', 'link');
    symlinkSync('/etc/hostname', link);
    const missing = join(dir, 'elsewhere', 'never-written');
    expect(run(report({ link, missing }))).toMatchObject({ status: 0 });
    const paths = reported();
    expect(paths.missing).toBe(missing);
    expect(lstatSync(paths.link!).isSymbolicLink()).toBe(true);
    expect(readlinkSync(paths.link!)).toBe('/etc/hostname');
  });

  it('passes the task\'s failure through and copies nothing', () => {
    const file = join(dir, 'elsewhere', 'model.txt');
    const r = run(`open(${JSON.stringify(file)}, "w").write("x")\n${report({ model: file })}\nraise SystemExit(3)`);
    expect(r.status).toBe(3);
    expect(reported().model).toBe(file);
  });

  it('fails the task, naming the output and the path, when the copy fails', () => {
    const file = join(dir, 'elsewhere', 'model.txt');
    writeFileSync(join(dir, 'shared', 'kfp'), 'a file where the stage folder goes');
    const r = run(`open(${JSON.stringify(file)}, "w").write("x")\n${report({ model: file })}`);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`pipewright: output artifact 'model': could not copy Artifact.set_path('${file}') out of the task container`);
  });

  it('does nothing when the task wrote no executor output, or one that is not what KFP writes', () => {
    expect(run('pass')).toMatchObject({ status: 0 });
    // The outputs step reports these with its own message; the copy step neither fails nor rewrites them.
    for (const text of ['not json', '[1, 2]', '{"artifacts": [1]}', '{"artifacts": {"m": 3, "n": {"artifacts": [7, {"custom_path": 5}]}}}']) {
      expect(run(`open(${JSON.stringify(out)}, "w").write(${JSON.stringify(text)})`)).toMatchObject({ status: 0 });
      expect(readFileSync(out, 'utf8')).toBe(text);
    }
  });
});
