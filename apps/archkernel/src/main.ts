/** The app's entry (bundled into archkernel-load-app.cjs, run by launcher.ts): runs the command line and sets its exit code. */
import { runCli } from './cli.js';

void runCli(process.argv.slice(2), {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  env: process.env,
}).then((code) => {
  process.exitCode = code;
});
