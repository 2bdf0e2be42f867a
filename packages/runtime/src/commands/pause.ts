import { freezerCommand } from './freezer-command.js';

export const pause = freezerCommand({
  name: 'pause',
  summary: 'pause suspends all processes inside the container',
  description: 'The pause command suspends all processes in the instance of the container.\n\nUse ckrun list to identify instances of containers and their current status.',
  // runc's ErrNotRunning.
  wrongState: { code: 'ContainerNotRunning', message: 'container not running' },
});
