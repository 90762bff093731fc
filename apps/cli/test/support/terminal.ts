/**
 * Runs the built CLI with stdout and stderr on a pseudo-terminal, through util-linux `script`, to test
 * what the CLI does when a person is watching (bars, refusing binary output, escaped names).
 */
import { cliPath, run } from '../../../../test/harness/run.js';

const quote = (word: string) => `'${word.replace(/'/g, `'\\''`)}'`;

/** Status and everything the terminal showed (stdout and stderr mixed, as a person sees them). */
export function initkitOnTerminal(args: string[], options: { cwd?: string } = {}): { status: number; screen: string } {
  const command = [process.execPath, cliPath, ...args].map(quote).join(' ');
  const result = run('script', ['-qec', command, '/dev/null'], { cwd: options.cwd, env: { TERM: 'dumb' } });
  return { status: result.status, screen: result.stdout };
}
