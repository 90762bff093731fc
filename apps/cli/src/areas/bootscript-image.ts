/**
 * `initkit bootscript decompile` and `compile`: script text out of a script image, and text wrapped
 * into an image byte-identical to `mkimage -A arm -O linux -T script -C none` (to -o, or to stdout
 * when that is not a terminal).
 */
import { type Dialect, decodeScriptText, parseScript, unwrapScriptImage, wrapScriptImage } from '@initkit/bootscript';
import { withFile } from '../file-errors.js';
import { readInput } from '../input.js';
import { writeOutput, writeStdout } from '../output.js';
import { outputTarget } from '../output-target.js';

export async function decompileAction(file: string, flags: { verify: boolean }): Promise<void> {
  const bytes = await withFile(file, 'the script image', () => readInput(file));
  const script = unwrapScriptImage(bytes, { verifyDataCrc: flags.verify });
  await writeStdout(Buffer.from(script.bytes));
}

export interface CompileFlags {
  output?: string;
  name?: string;
  check: boolean;
  dialect: Dialect;
}

export async function compileAction(textFile: string, flags: CompileFlags): Promise<void> {
  const output = outputTarget(flags.output, 'a script image');
  const bytes = await withFile(textFile, 'the script text', () => readInput(textFile));
  if (flags.check) parseScript(decodeScriptText(bytes), { dialect: flags.dialect });
  // Wrap the file's bytes as they are, as mkimage does (no re-encoding of the text).
  const image = wrapScriptImage(bytes, flags.name === undefined ? {} : { name: flags.name });
  await withFile(output, 'the -o output', () => writeOutput(output, image));
}
