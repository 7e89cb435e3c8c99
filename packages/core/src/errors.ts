// The one error type whose message is for the user as it stands: thrown by the run path, discovery,
// installs and the CLI's own commands, printed by the CLI as "Error: <message>" with its exit code.
export class UserError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
  }
}
