/**
 * kexec on x86_64 with kexec_file_load, proven in qemu-system-x86_64 (TCG) with Debian 12's amd64
 * kernel: `initkit kexec -l -s bzImage --initrd ... --append "... <marker>"` then `initkit kexec -e`
 * starts the second kernel, whose /proc/cmdline has the marker and whose initrd's /init runs. Bad input
 * in the same guest (a non-kernel file, an unprivileged user) is one line, exit 1, nothing loaded. The
 * guest runs initkit on this machine's own Node (x64) with koffi's x64 build.
 */
import { appendFileSync, readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { debianKernel } from '../harness/debian-kernels.js';
import { bootX86, hasQemuX86 } from '../harness/qemu-x86.js';
import { useTempDir } from '../harness/temp.js';
import { buildX86Guest, section, shSection } from './guest.js';

/** A kernel message on the same console (printk lines), not output of the command. */
const KERNEL_LOG = /^\[\s*\d+\.\d+\]/;
const MARKER = `kxmarker${Date.now().toString(36)}`;

const BAD_CASES: Array<{ name: string; command: string; message: RegExp }> = [
  {
    name: 'not-a-kernel',
    command: 'initkit kexec -l -s /etc/passwd --initrd /kx/stage2.img',
    message: /KEXEC_NOT_A_KERNEL/,
  },
  {
    name: 'unprivileged',
    command: 'su -p nobody -s /bin/sh -c "/usr/local/bin/initkit kexec -l -s /kx/bzImage"',
    message: /needs root.*KEXEC_PERMISSION/,
  },
];

function stage1(): string {
  let script = '';
  for (const bad of BAD_CASES) script += shSection(`bad-${bad.name}`, bad.command);
  script += shSection(
    'load',
    `initkit kexec -l -s /kx/bzImage --initrd /kx/stage2.img --append "console=ttyS0 panic=-1 KXSTAGE=2 ${MARKER}"`,
  );
  script += 'echo KX-EXEC\ninitkit kexec -e\necho "KX-EXEC-RETURNED $?"\n';
  return script;
}

const STAGE2 = 'echo "KX-STAGE2-INIT cmdline: $(cat /proc/cmdline)"\n';

describe.runIf(hasQemuX86())('kexec_file_load on x86_64 (qemu-system-x86_64, Debian amd64)', () => {
  const temp = useTempDir('initkit-kexec-x86-');
  let log = '';

  beforeAll(async () => {
    const kernel = await debianKernel('amd64');
    const initrds = buildX86Guest({
      directory: temp(),
      stage1: stage1(),
      stage2: STAGE2,
      payload: { '/kx/bzImage': new Uint8Array(readFileSync(kernel.vmlinuz)) },
    });
    const boot = await bootX86({
      kernel: kernel.vmlinuz,
      initrd: initrds.first,
      memoryMiB: 1536,
      until: /KX-STAGE2-INIT[\s\S]*KX-DONE/,
      timeoutMs: 300_000,
      ...(process.env.INITKIT_GUEST_LOG
        ? { onOutput: (text: string) => appendFileSync(process.env.INITKIT_GUEST_LOG!, text) }
        : {}),
    });
    log = boot.log;
  }, 420_000);

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

  it('initkit kexec -l -s loads, and -e starts the second kernel with the marker and its initrd', () => {
    const load = section(log, 'load');
    expect(load, load).toContain('KX-RC 0');
    expect(load).toContain('KX-LOADED 1');
    const stage2 = /KX-STAGE2-INIT cmdline: (.*)/.exec(log);
    expect(stage2, log.slice(-3000)).not.toBeNull();
    expect(stage2![1]).toContain(MARKER);
    expect(log).not.toContain('KX-EXEC-RETURNED');
    expect(log.slice(log.indexOf('KX-EXEC')).match(/Linux version \d/g)).toHaveLength(1);
  });
});
