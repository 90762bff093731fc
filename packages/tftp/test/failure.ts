/** The error a transfer that must fail failed with (the test fails if it succeeds). */
import type { TftpError } from '../src/index.js';

export async function failure(promise: Promise<unknown>): Promise<TftpError> {
  try {
    await promise;
  } catch (error) {
    return error as TftpError;
  }
  throw new Error('expected the transfer to fail');
}
