/**
 * An error ckrun itself reports (a bad flag, a refused operation): printed as
 * `ckrun <command>: <message>`, or `ckrun: <message>` when no command is named.
 */
export class CliError extends Error {
  constructor(
    readonly command: string | undefined,
    message: string,
  ) {
    super(message);
    this.name = 'CliError';
  }
}
