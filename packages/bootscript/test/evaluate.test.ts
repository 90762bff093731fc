import { describe, expect, it } from 'vitest';
import { DEFAULT_ENV, evaluate } from '../src/index.js';

describe('evaluate: BootPlan', () => {
  it("starts from qemu_arm 2023.01's printenv: distro-boot variables, and no fdt_addr_r", () => {
    expect(DEFAULT_ENV.fdt_addr_r).toBeUndefined();
    expect(DEFAULT_ENV.boot_targets).toBe('qfw usb0 scsi0 virtio0 nvme0 dhcp ');
    expect(DEFAULT_ENV.bootcmd).toBe('run distro_bootcmd');
    expect(Object.keys(DEFAULT_ENV)).toHaveLength(53);
  });

  it('resolves the boot command to the files loaded at its addresses', () => {
    const plan = evaluate(
      [
        'setenv bootargs console=ttyS0 root=/dev/nbd0',
        'tftp ${kernel_addr_r} zImage',
        'tftpb ${ramdisk_addr_r} 10.1.31.34:initrd/uInitrd-Linux-armv7l-v3.12',
        'load mmc 0:1 ${fdt_addr_r} board.dtb',
        'bootz ${kernel_addr_r} ${ramdisk_addr_r}:${filesize} ${fdt_addr_r}',
        'echo never reached',
      ].join('\n'),
      {
        // qemu_arm's default environment has no fdt_addr_r (DEFAULT_ENV is exactly its printenv): the board sets it.
        env: { serverip: '10.0.0.1', fdt_addr_r: '0x40000000' },
        files: { zImage: 5000, 'initrd/uInitrd-Linux-armv7l-v3.12': 4096, 'board.dtb': 300 },
      },
    );
    expect(plan.bootargs).toBe('console=ttyS0 root=/dev/nbd0');
    expect(plan.loads).toEqual([
      { command: 'tftp', address: '0x40400000', file: 'zImage', server: '10.0.0.1', size: 5000, line: 2 },
      {
        command: 'tftpb',
        address: '0x44000000',
        file: 'initrd/uInitrd-Linux-armv7l-v3.12',
        server: '10.1.31.34',
        size: 4096,
        line: 3,
      },
      { command: 'load', address: '0x40000000', file: 'board.dtb', device: 'mmc 0:1', size: 300, line: 4 },
    ]);
    expect(plan.boot).toMatchObject({
      command: 'bootz',
      kernel: { address: '0x40400000', file: 'zImage' },
      initrd: { address: '0x44000000', file: 'initrd/uInitrd-Linux-armv7l-v3.12', size: '12c' },
      fdt: { address: '0x40000000', file: 'board.dtb' },
    });
    expect(plan.env.filesize).toBe('12c');
    expect(plan.output).not.toContain('never reached');
  });

  it('records `-` as no initrd, a missing address as image_load_addr, and nothing-loaded as a warning', () => {
    const plan = evaluate('tftp 0x42000000 uImage\nbootm\n');
    expect(plan.boot).toMatchObject({
      command: 'bootm',
      kernel: { address: '0x42000000', file: 'uImage' },
      initrd: null,
      fdt: null,
    });
    const dash = evaluate('bootm 0x48000000 - 0x49000000\n');
    expect(dash.boot).toMatchObject({
      kernel: { file: null },
      initrd: null,
      fdt: { address: '0x49000000', file: null },
    });
    expect(dash.warnings.join('\n')).toContain('nothing was loaded at 0x48000000');
  });

  it('a script that boots nothing has boot null and bootargs from the end', () => {
    const plan = evaluate('setenv bootargs quiet\n');
    expect(plan.boot).toBeNull();
    expect(plan.bootargs).toBe('quiet');
  });

  it('fails a load of a file the caller says is missing, and || falls back', () => {
    const plan = evaluate('tftp ${kernel_addr_r} missing || tftp ${kernel_addr_r} present\n', {
      files: { present: 10 },
    });
    expect(plan.loads.map((load) => load.file)).toEqual(['present']);
  });

  it('follows old hush, not POSIX, for and-or lists, ${:+}, test and quoting', () => {
    const plan = evaluate(
      [
        'false && echo a || echo b',
        'setenv x "1 2"',
        'setenv plus ${x:+set}',
        'setenv y ${x}',
        'if test -n $unset; then setenv t yes; else setenv t no; fi',
        "setenv q 'a\\b'",
      ].join('\n'),
    );
    expect(plan.output).toEqual([]);
    expect(plan.env).toMatchObject({ y: '1 2', t: 'no', q: 'ab' });
    expect(plan.env).not.toHaveProperty('plus');
  });

  it('runs variables with run, stops endless loops, and records unknown commands', () => {
    const plan = evaluate(
      "setenv cmd 'setenv done yes; echo ran'\nrun cmd\nfrobnicate 1\nwhile true; do true; done\n",
      { maxSteps: 50 },
    );
    expect(plan.env.done).toBe('yes');
    expect(plan.output).toContain('ran');
    expect(plan.commands.find((c) => c.name === 'frobnicate')).toMatchObject({ status: 1, modelled: false });
    expect(plan.warnings.join('\n')).toContain('stopped after 50 commands');
  });

  it('stops at a syntax error after running the lines before it', () => {
    const plan = evaluate('setenv a 1\nsetenv b "it\'s"\nsetenv c 3\n');
    expect(plan.env.a).toBe('1');
    expect(plan.env).not.toHaveProperty('c');
    expect(plan.warnings.join('\n')).toContain('unterminated single quote');
  });

  it('exit ends the script only when asked for newer U-Boot behaviour', () => {
    expect(evaluate('exit\nsetenv after 1\n').env.after).toBe('1');
    expect(evaluate('exit\nsetenv after 1\n', { exitEndsScript: true }).env).not.toHaveProperty('after');
  });

  it('runs nested script images given as bytes through source', async () => {
    const { wrapScriptImage } = await import('../src/index.js');
    const inner = wrapScriptImage('setenv from_inner yes\n', { time: 0 });
    const plan = evaluate('tftp ${scriptaddr} boot.scr\nsource ${scriptaddr}\n', { files: { 'boot.scr': inner } });
    expect(plan.env.from_inner).toBe('yes');
  });

  it('runs the simple dialect: macros per command, quotes protect, a failed line stops the script', () => {
    const plan = evaluate("setenv a 1; setenv b '${a}'\necho ${a}$(a)\nfalse\nsetenv c 3\n", { dialect: 'simple' });
    expect(plan.env.b).toBe('${a}');
    expect(plan.output).toEqual(['11']);
    expect(plan.env).not.toHaveProperty('c');
  });
});
