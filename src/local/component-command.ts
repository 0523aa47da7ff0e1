// Reading the commands kfp.compiler writes for lightweight Python components: which packages their pip lines
// install, and the command without that step (the local runner installs them once per env instead). Pure.

export interface ShellWord {
  text: string;
  /** True for an unquoted control operator (`&&`, `||`, `;`, `|`, newline). */
  op: boolean;
}

/** A small POSIX-sh tokenizer: enough for the pip lines the KFP SDK generates (quotes, escapes, operators). */
export function shellWords(script: string): ShellWord[] {
  const words: ShellWord[] = [];
  let cur = '';
  let inWord = false;
  const flush = () => {
    if (inWord) words.push({ text: cur, op: false });
    cur = '';
    inWord = false;
  };
  for (let i = 0; i < script.length; i++) {
    const c = script[i]!;
    if (c === "'") {
      const end = script.indexOf("'", i + 1);
      cur += script.slice(i + 1, end === -1 ? script.length : end);
      inWord = true;
      i = end === -1 ? script.length : end;
    } else if (c === '"') {
      inWord = true;
      for (i++; i < script.length && script[i] !== '"'; i++) {
        if (script[i] === '\\' && i + 1 < script.length && '$`"\\\n'.includes(script[i + 1]!)) i++;
        cur += script[i];
      }
    } else if (c === '\\' && i + 1 < script.length) {
      if (script[i + 1] !== '\n') cur += script[i + 1];
      inWord = true;
      i++;
    } else if (c === ' ' || c === '\t') {
      flush();
    } else if (c === '\n' || c === ';') {
      flush();
      words.push({ text: c, op: true });
    } else if (c === '&' || c === '|') {
      flush();
      const two = script.slice(i, i + 2);
      if (two === '&&' || two === '||') {
        words.push({ text: two, op: true });
        i++;
      } else words.push({ text: c, op: true });
    } else {
      cur += c;
      inWord = true;
    }
  }
  flush();
  return words;
}

/** pip options that take a value (as the SDK emits them, plus the usual short forms). */
const PIP_OPTIONS_WITH_VALUE = new Set(['--index-url', '-i', '--extra-index-url', '--trusted-host', '-f', '--find-links', '-c', '--constraint', '-r', '--requirement']);

/** Drop `… ; python_version < "3.9"`-style requirements: every interpreter we run on is >= 3.9. */
function irrelevantForModernPython(spec: string): boolean {
  const semi = spec.indexOf(';');
  if (semi === -1) return false;
  const m = /^python_version\s*(<=?)\s*["']3\.(\d+)["']$/.exec(spec.slice(semi + 1).trim());
  if (!m) return false;
  const minor = Number(m[2]);
  return m[1] === '<' ? minor <= 9 : minor < 9;
}

function isExecutorScript(s: string | undefined): boolean {
  return typeof s === 'string' && s.includes('kfp.dsl.executor_main');
}

/**
 * The packages the generated `pip install` lines of a compiled lightweight Python component
 * would install: its `packages_to_install` followed by the kfp pin (e.g. `kfp==2.17.3`), options
 * such as `--no-deps`/`--index-url` dropped, and the `python_version<"3.9"` typing-extensions
 * requirement left out. `[]` for a lightweight component without install step
 * (`install_kfp_package=False`), undefined when `command` is not a lightweight component command
 * (container components, containerized Python components, anything else).
 */
export function lightweightComponentPackages(command: readonly string[]): string[] | undefined {
  if (command.length >= 4 && command[0] === 'sh' && command[1] === '-ec' && isExecutorScript(command[2])) return [];
  if (!(command.length >= 7 && command[0] === 'sh' && command[1] === '-c' && command[3] === 'sh' && command[4] === '-ec' && isExecutorScript(command[5]))) {
    return undefined;
  }
  const words = shellWords(command[2]!);
  const packages: string[] = [];
  for (let i = 0; i < words.length; i++) {
    if (!(words[i]!.text === 'pip' && words[i + 1]?.text === 'install' && !words[i]!.op)) continue;
    for (i += 2; i < words.length && !words[i]!.op; i++) {
      const w = words[i]!.text;
      if (w.startsWith('-')) {
        if (PIP_OPTIONS_WITH_VALUE.has(w)) i++;
        continue;
      }
      if (!irrelevantForModernPython(w)) packages.push(w);
    }
  }
  return packages;
}

/**
 * The command a lightweight component runs inside its prepared env: the `sh -c '<pip install …> && "$0" "$@"'`
 * prefix removed, leaving `sh -ec <script> <source>` (pass the container `args` after it). The env is built from
 * exactly the packages that step names (its key is that list, `envKey`, and it counts only once its build finished),
 * so the step is known to be satisfied; kept, it cost every task a pip start and resolve that changes nothing (1.4 s
 * CPU for kfp + pandas + scikit-learn). A `use_venv=True` step would also make a fresh venv that cannot see the
 * cached env's packages. Other commands are returned unchanged.
 */
export function stripPipInstall(command: readonly string[]): string[] {
  if (lightweightComponentPackages(command) !== undefined && command[1] === '-c') return command.slice(3);
  return [...command];
}
