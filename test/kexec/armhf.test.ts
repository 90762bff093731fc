/**
 * kexec on 32-bit ARM, proven in qemu-system-arm -M virt (TCG) with Debian 12's armmp kernel, in ONE
 * guest boot (then the kexec'd second kernel):
 *   1. planner parity: Debian's kexec-tools 2.0.25 `kexec -l --debug` and `initkit kexec -l --dry-run
 *      --json` on the same zImage, initrd and command line give the same entry, flags and segments
 *      (without an initrd, a zImage whose KLSZ tag was removed, and with an initrd: that one is the real
 *      `initkit kexec -l --json` load that then boots); the uImage-wrapped case is in the unit tests;
 *   2. bad input (a non-kernel file, a truncated zImage, an initrd larger than RAM, an unprivileged user):
 *      one line, exit 1, /sys/kernel/kexec_loaded stays 0;
 *   3. `initkit kexec -l ... --append "... <marker>"` then `initkit kexec -e` starts the second kernel,
 *      whose /proc/cmdline has the marker and whose initrd's /init runs; there, with
 *      kexec_load_disabled set to 1, `initkit kexec -l` fails with one line and loads nothing.
 * The guest runs initkit on Node 20 armv7l with koffi's armhf build (test/harness/armhf-node.ts).
 */

import { appendFileSync, readFileSync } from 'node:fs';
import { createFdt, serializeFdt } from '@initkit/fdt';
import { parseIomem, planKexec, probeKernel } from '@initkit/kexec';
import { beforeAll, describe, expect, it } from 'vitest';
import { type DebianKernel, debianKernel } from '../harness/debian-kernels.js';
import { bootArmLinux, hasQemuArm } from '../harness/qemu-arm-linux.js';
import { useTempDir } from '../harness/temp.js';
import { buildArmhfGuest, section, shSection } from './guest.js';
import { type ParsedLoad, parseKexecDebug, withoutKlszTag } from './kexec-debug.js';

/** A kernel message on the same console (printk lines), not output of the command. */
const KERNEL_LOG = /^\[\s*\d+\.\d+\]/;
const MARKER = `kxmarker${Date.now().toString(36)}`;
const PARITY_CMDLINE = 'console=ttyAMA0 panic=-1 kxparity=1';
/** The guest's RAM (-m 1024 on virt); only the room above the kernel is read from this plan. */
const RAM = parseIomem('40000000-7fffffff : System RAM\n');
const BOOT_CMDLINE = `console=ttyAMA0 panic=-1 KXSTAGE=2 ${MARKER}`;

/**
 * Node starts slowly under TCG, so every initkit run counts: the with-initrd case is the real load that
 * then boots (its --json output is the plan it loaded), the other two are --dry-run.
 * - no-initrd: `--image-size=0x1000` to both tools, which both raise to the KLSZ size: kexec-tools'
 *   default arithmetic is what is compared.
 * - no-klsz: `--image-size=0x2000000` to both (used as given when there is no KLSZ tag).
 * - initrd: initkit WITHOUT --image-size, so its default placement (at RAM + 128 MiB, booting.rst's
 *   safe location: an initrd where kexec-tools puts it, and one 1 MiB higher, came up as "Initramfs
 *   unpacking failed: invalid magic" in the second kernel) is what boots; kexec-tools gets that same
 *   room as --image-size.
 */
function parityCases(defaultImageSize: number): Array<{ name: string; kexec: string; initkit: string }> {
  const room = `0x${defaultImageSize.toString(16)}`;
  return [
    {
      name: 'no-initrd',
      kexec: `kexec -l --debug /kx/zImage --image-size=0x1000 --append="${PARITY_CMDLINE}"`,
      initkit: `initkit kexec -l /kx/zImage --image-size 0x1000 --append "${PARITY_CMDLINE}" --dry-run --json`,
    },
    {
      name: 'no-klsz',
      kexec: `kexec -l --debug /kx/zImage-noklsz --initrd=/kx/stage2.img --image-size=0x2000000 --append="${PARITY_CMDLINE}"`,
      initkit: `initkit kexec -l /kx/zImage-noklsz --initrd /kx/stage2.img --image-size 0x2000000 --append "${PARITY_CMDLINE}" --dry-run --json`,
    },
    {
      name: 'initrd',
      kexec: `kexec -l --debug /kx/zImage --initrd=/kx/stage2.img --image-size=${room} --append="${BOOT_CMDLINE}"`,
      initkit: `initkit kexec -l /kx/zImage --initrd /kx/stage2.img --append "${BOOT_CMDLINE}" --json`,
    },
  ];
}
const PARITY_NAMES = ['no-initrd', 'no-klsz', 'initrd'];

const BAD_CASES: Array<{ name: string; command: string; message: RegExp }> = [
  {
    name: 'not-a-kernel',
    command: 'initkit kexec -l /etc/passwd --initrd /kx/stage2.img',
    message: /KEXEC_NOT_A_KERNEL/,
  },
  {
    name: 'truncated',
    command: 'initkit kexec -l /kx/zImage-truncated',
    message: /zImage is truncated.*KEXEC_TRUNCATED/,
  },
  {
    name: 'initrd-larger-than-ram',
    command: 'truncate -s 2G /tmp/huge.img && initkit kexec -l /kx/zImage --initrd /tmp/huge.img',
    message: /more than the \d+ bytes of RAM.*KEXEC_TOO_LARGE/,
  },
  {
    name: 'unprivileged',
    command: 'su -p nobody -s /bin/sh -c "/usr/local/bin/initkit kexec -l /kx/zImage --initrd /kx/stage2.img"',
    message: /needs root.*KEXEC_PERMISSION/,
  },
];

function stage1(defaultImageSize: number): string {
  let script = 'kexec -u 2>/dev/null\n';
  for (const bad of BAD_CASES) script += shSection(`bad-${bad.name}`, bad.command);
  for (const parity of parityCases(defaultImageSize)) {
    script += shSection(`kexec-${parity.name}`, parity.kexec);
    script += 'kexec -u\n';
    script += shSection(`initkit-${parity.name}`, parity.initkit);
  }
  // The last parity case loaded for real: start it.
  script += 'echo KX-EXEC\ninitkit kexec -e\necho "KX-EXEC-RETURNED $?"\n';
  return script;
}

const STAGE2 = `echo "KX-STAGE2-INIT cmdline: $(cat /proc/cmdline)"
${shSection('disabled', 'echo 1 > /proc/sys/kernel/kexec_load_disabled && echo "disabled=$(cat /proc/sys/kernel/kexec_load_disabled)" && initkit kexec -l /kx/tiny-zImage')}`;

describe.runIf(hasQemuArm())(
  'kexec on armhf (qemu-system-arm -M virt, Debian armmp, kexec-tools as the oracle)',
  () => {
    const temp = useTempDir('initkit-kexec-armhf-');
    let kernel: DebianKernel;
    let log = '';

    beforeAll(async () => {
      kernel = await debianKernel('armhf');
      const zImage = new Uint8Array(readFileSync(kernel.vmlinuz));
      expect(probeKernel(zImage).zImage?.sizeTag, 'the Debian zImage carries a KLSZ tag').toBeDefined();
      // The planner's default room above the kernel for this zImage (what initkit boots with below).
      const defaultImageSize = planKexec({ arch: 'arm', kernel: zImage, dtb: serializeFdt(createFdt()), ranges: RAM })
        .details.imageSize as number;
      const initrds = await buildArmhfGuest({
        directory: temp(),
        stage1: stage1(defaultImageSize),
        stage2: STAGE2,
        payload: {
          '/kx/zImage': zImage,
          '/kx/zImage-noklsz': withoutKlszTag(zImage),
          '/kx/zImage-truncated': zImage.subarray(0, zImage.length >> 1),
        },
      });
      const boot = await bootArmLinux({
        kernel: kernel.vmlinuz,
        initrd: initrds.first,
        memoryMiB: 1024,
        until: /KX-END disabled[\s\S]*KX-DONE/,
        timeoutMs: 900_000,
        // INITKIT_GUEST_LOG=file follows the console while the test runs.
        ...(process.env.INITKIT_GUEST_LOG
          ? { onOutput: (text: string) => appendFileSync(process.env.INITKIT_GUEST_LOG!, text) }
          : {}),
      });
      log = boot.log;
    }, 960_000);

    for (const name of PARITY_NAMES) {
      const parity = { name };
      it(`planner parity, ${parity.name}: same entry, flags and segments as kexec -l --debug`, () => {
        const kexec: ParsedLoad = parseKexecDebug(section(log, `kexec-${parity.name}`));
        const initkitOutput = section(log, `initkit-${parity.name}`);
        expect(initkitOutput, initkitOutput).toMatch(/KX-RC 0/);
        const plan = JSON.parse(
          initkitOutput.slice(initkitOutput.indexOf('{'), initkitOutput.lastIndexOf('}') + 1),
        ) as {
          entry: number;
          flags: number;
          segments: Array<{ bufsz: number; mem: number; memsz: number }>;
        };
        expect(kexec.segments.length).toBeGreaterThanOrEqual(2);
        expect(plan.entry).toBe(kexec.entry);
        // Newer kexec-tools add KEXEC_DEBUG (0x10) under --debug; 2.0.25 does not, but compare without it.
        expect(plan.flags & ~0x10).toBe(kexec.flags & ~0x10);
        expect(plan.segments.map(({ bufsz, mem, memsz }) => ({ bufsz, mem, memsz }))).toEqual(kexec.segments);
      });
    }

    for (const bad of BAD_CASES) {
      it(`bad input, ${bad.name}: one line, exit 1, nothing loaded`, () => {
        const output = section(log, `bad-${bad.name}`);
        const lines = output
          .split('\n')
          .filter((line) => line !== '' && !line.startsWith('KX-') && !KERNEL_LOG.test(line));
        expect(lines, output).toHaveLength(1);
        expect(lines[0], output).toMatch(bad.message);
        expect(output).toContain('KX-RC 1');
        expect(output).toContain('KX-LOADED 0');
      });
    }

    it('initkit kexec -l without --image-size loads (kexec_loaded 1), and -e starts the second kernel with the marker and its initrd', () => {
      const load = section(log, 'initkit-initrd');
      expect(load, load).toContain('KX-RC 0');
      expect(load).toContain('KX-LOADED 1');
      const stage2 = /KX-STAGE2-INIT cmdline: (.*)/.exec(log);
      expect(stage2, log.slice(-3000)).not.toBeNull();
      expect(stage2![1]).toContain(MARKER);
      expect(stage2![1]).toContain('KXSTAGE=2');
      expect(log).not.toContain('KX-EXEC-RETURNED');
      expect(log).not.toMatch(/Initramfs unpacking failed/);
      // The second kernel really booted: its own banner follows the jump.
      expect(log.slice(log.indexOf('KX-EXEC')).match(/Booting Linux on physical CPU/g)).toHaveLength(1);
    });

    it('with kexec_load_disabled = 1: one line naming it, exit 1, nothing loaded', () => {
      const output = section(log, 'disabled');
      expect(output).toContain('disabled=1');
      const lines = output
        .split('\n')
        .filter((line) => line !== '' && !line.startsWith('KX-') && !KERNEL_LOG.test(line) && line !== 'disabled=1');
      expect(lines, output).toHaveLength(1);
      expect(lines[0]).toMatch(/kexec_load_disabled is 1.*KEXEC_DISABLED/);
      expect(output).toContain('KX-RC 1');
      expect(output).toContain('KX-LOADED 0');
    });
  },
);
