/**
 * A user's mistake, already explained: the message is printed as it is and the run exits with
 * the code. Kept apart from base.ts so that code shared with the bundled fast path (which has
 * no oclif) can throw it.
 */
export class UserError extends Error {
  constructor(
    message: string,
    readonly exitCode: 1 | 2 = 1,
  ) {
    super(message);
  }
}
