// Shell completion scripts (`pipewright completion bash|zsh`): commands, their options, and run names of the
// namespace (from `pipewright list -o name`) where a run is expected. Pure: the script is built from the commands.

export interface CommandShape {
  name: string;
  options: string[];
  /** The command's first argument is a PipelineRun name. */
  takesRun: boolean;
}

const word = (s: string): string => s.replace(/[^A-Za-z0-9_.:=-]/g, '');

export function bashCompletion(commands: readonly CommandShape[]): string {
  const names = commands.map((c) => word(c.name)).join(' ');
  const cases = commands.map((c) => `    ${word(c.name)}) opts="${c.options.map(word).join(' ')}"; runs=${c.takesRun ? 1 : 0} ;;`).join('\n');
  return `# pipewright completion for bash: source <(pipewright completion bash)
_pipewright() {
  local cur prev cmd opts runs i ns=()
  cur="\${COMP_WORDS[COMP_CWORD]}"
  prev="\${COMP_WORDS[COMP_CWORD-1]}"
  if [ "$COMP_CWORD" -eq 1 ]; then
    COMPREPLY=($(compgen -W "${names} help" -- "$cur"))
    return
  fi
  cmd="\${COMP_WORDS[1]}"
  [ "$cmd" = help ] && { COMPREPLY=($(compgen -W "${names}" -- "$cur")); return; }
  case "$cmd" in
${cases}
    *) opts=""; runs=0 ;;
  esac
  # The namespace and kubeconfig given so far, so run names come from the same place.
  for ((i = 2; i < COMP_CWORD; i++)); do
    case "\${COMP_WORDS[i]}" in -n|--namespace|--kubeconfig|--context) ns+=("\${COMP_WORDS[i]}" "\${COMP_WORDS[i+1]}") ;; esac
  done
  case "$prev" in
    -n|--namespace|--kubeconfig|--context|-o|--output|-a|--arg|--name|--generate-name|-l|--label|--phase) COMPREPLY=(); return ;;
  esac
  if [[ "$cur" == -* ]]; then
    COMPREPLY=($(compgen -W "$opts" -- "$cur"))
  elif [ "$runs" = 1 ]; then
    COMPREPLY=($(compgen -W "$(pipewright list -o name "\${ns[@]}" 2>/dev/null | sed 's,^pipelinerun/,,')" -- "$cur"))
  else
    COMPREPLY=($(compgen -f -- "$cur"))
  fi
}
complete -F _pipewright pipewright
`;
}

export function zshCompletion(commands: readonly CommandShape[]): string {
  return `# pipewright completion for zsh: source <(pipewright completion zsh)
autoload -U +X bashcompinit && bashcompinit
${bashCompletion(commands)}`;
}
