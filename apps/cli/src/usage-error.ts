/** A mistake on the command line found after parsing (a bad value, a missing file list): exit status 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}
