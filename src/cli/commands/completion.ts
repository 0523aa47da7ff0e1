// `pipewright completion bash|zsh`: prints a completion script (commands, options, run names).
import { Argument, type Command } from 'commander';
import { bashCompletion, zshCompletion, type CommandShape } from '../cluster/completion.js';

const RUN_COMMANDS = new Set(['get', 'logs', 'watch', 'cancel', 'retry', 'delete', 'export']);

export function shapesOf(program: Command): CommandShape[] {
  return program.commands.filter((c) => c.name() !== 'completion').map((c) => ({
    name: c.name(),
    options: c.options.flatMap((o) => [o.short, o.long].filter((f): f is string => !!f)),
    takesRun: RUN_COMMANDS.has(c.name()),
  }));
}

export function registerCompletionCommand(program: Command): void {
  program
    .command('completion')
    .description('Print a shell completion script: source <(pipewright completion bash)')
    .addArgument(new Argument('<shell>', 'bash or zsh').choices(['bash', 'zsh']))
    .action((shell: 'bash' | 'zsh') => {
      const shapes = shapesOf(program);
      process.stdout.write(shell === 'bash' ? bashCompletion(shapes) : zshCompletion(shapes));
    });
}
