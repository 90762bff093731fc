/**
 * `initkit bootscript check FILE`: a linter U-Boot does not have. Prints `FILE:LINE:COLUMN: message`
 * for a syntax error or a command U-Boot does not know, and exits 1 when it found any.
 */
import { checkScript, type Dialect, decodeScriptText, isScriptImage, unwrapScriptImage } from '@initkit/bootscript';
import { withFile } from '../file-errors.js';
import { readInput } from '../input.js';
import { printJson, writeStdout } from '../output.js';
import { EXIT_FAILURE } from '../run.js';

/** The script text of an image or a text file. */
export async function readScriptText(file: string): Promise<string> {
  const bytes = await withFile(file, 'the boot script', () => readInput(file));
  return isScriptImage(bytes) ? unwrapScriptImage(bytes).text : decodeScriptText(bytes);
}

export async function checkAction(file: string, flags: { dialect: Dialect; json?: boolean }): Promise<void> {
  const findings = checkScript(await readScriptText(file), { dialect: flags.dialect });
  if (flags.json) printJson({ file, ok: findings.length === 0, findings });
  else {
    await writeStdout(
      findings
        .map(
          (finding) =>
            `${file}:${finding.line}:${finding.column}: ${finding.kind === 'syntax' ? 'syntax error' : 'error'}: ${finding.message}\n`,
        )
        .join(''),
    );
  }
  if (findings.length > 0) process.exitCode = EXIT_FAILURE;
}
