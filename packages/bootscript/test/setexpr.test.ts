/**
 * setexpr sub/gsub as U-Boot 2023.01 (qemu_arm, Debian's u-boot-qemu) runs it: the expected lines were
 * printed by the real U-Boot in QEMU for exactly these commands (each echo shows the value and $?).
 */
import { describe, expect, it } from 'vitest';
import { evaluate } from '../src/index.js';

const SCRIPT = String.raw`setenv a "root=/dev/mmcblk0p2 ro quiet"; setexpr a sub "root=[^ ]*" "root=UUID=1234"; echo "R1[$a] $?"
setenv b "aaa bbb aaa"; setexpr b gsub aaa x; echo "R2[$b] $?"
setexpr c sub "(b+)" "<\1>" "xx bbb yy"; echo "R3[$c] $?"
setexpr d gsub "a" "b" "nothing here"; echo "R4[$d] $?"
setexpr e sub "zzz" "y" "abc"; echo "R5[$e] $?"
setexpr f gsub "\.dtb$" ".dtbo" "board.dtb"; echo "R6[$f] $?"
setexpr g gsub "o" "0" "foo boo"; echo "R7[$g] $?"
setenv h; setexpr h sub a b; echo "R8[$h] $?"
setexpr i sub "^" "X" "abc"; echo "R9[$i] $?"
setexpr k sub "(a)(b)" "\2\1\0" "xaby"; echo "R11[$k] $?"
`;

/** What U-Boot printed (R10, a character-class range, is left out: SLRE reads it differently). */
const UBOOT = [
  'R1[root=UUID=1234 ro quiet] 0',
  'R2[x bbb x] 0',
  'R3[xx <bbb> yy] 0',
  'R4[] 1',
  'R5[] 1',
  'R6[board.dtbo] 0',
  'R7[f00 b00] 0',
  '## Error: variable "h" not defined',
  'R8[] 1',
  'R9[Xabc] 0',
  'R11[xbaaby] 0',
];

describe('setexpr sub and gsub', () => {
  it('substitutes as U-Boot 2023.01 does, $? included', () => {
    const plan = evaluate(SCRIPT);
    expect(plan.output).toEqual(UBOOT);
  });

  it('leaves a range it does not model as a warning', () => {
    const plan = evaluate('setexpr j gsub "[0-9]+" "N" "a1b22c333"\n');
    expect(plan.warnings.join('\n')).toMatch(/not modelled/);
  });
});
