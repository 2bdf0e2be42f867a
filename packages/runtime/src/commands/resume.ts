import { freezerCommand } from './freezer-command.js';

export const resume = freezerCommand({
  name: 'resume',
  summary: 'resumes all processes that have been previously paused',
  description: 'The resume command resumes all processes in the instance of the container.\n\nUse ckrun list to identify instances of containers and their current status.',
  // runc's ErrNotPaused.
  wrongState: { code: 'ContainerNotPaused', message: 'container not paused' },
});
