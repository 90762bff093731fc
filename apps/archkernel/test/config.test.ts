/** The configuration: defaults, the shipped file, and errors that name file, line and key. */
import { readFileSync } from 'node:fs';
import { parse } from 'smol-toml';
import { describe, expect, it } from 'vitest';
import { defaultConfig, formatDefaultConfig, parseConfig } from '../src/config.js';
import { CONFIG_KEYS } from '../src/config-schema.js';

const shipped = readFileSync(new URL('../archkernel-load.toml', import.meta.url), 'utf8');

describe('configuration', () => {
  it('the shipped default file is the generated one, documents every key and parses to the defaults', () => {
    expect(shipped).toBe(formatDefaultConfig());
    for (const spec of CONFIG_KEYS) expect(shipped).toContain(`#${spec.key} = `);
    expect(parseConfig(shipped, 'archkernel-load.toml')).toEqual(defaultConfig());
    // Uncommenting every key gives valid TOML with the same values.
    const uncommented = shipped.replace(/^#(\w+ = )/gm, '$1');
    expect(parseConfig(uncommented, 'x.toml')).toEqual(defaultConfig());
    expect(parse(uncommented)).toBeTypeOf('object');
  });

  it('defaults: Scaleway fallback server, mvneta and nbd required, archkernel markers', () => {
    const config = defaultConfig();
    expect(config.boot_server.fallback).toBe('10.1.31.34');
    expect(config.kernel.modules).toEqual(['mvneta', 'nbd']);
    expect(config.kernel.optional_modules).toEqual(['mvneta_bm']);
    expect(config.kexec.cmdline_append).toEqual([
      'is_in_kexec=yes',
      'NO_SIGNAL_STATE=1',
      'DONT_FETCH_KERNEL_MODULES=1',
      'NO_NTPDATE=1',
    ]);
    expect(config.kexec.max_unconfirmed).toBe(2);
  });

  it('an unknown key names the file, the line and the key', () => {
    expect(() =>
      parseConfig('[kernel]\nimage = "/boot/zImage"\nmodulez = ["nbd"]\n', '/etc/archkernel-load.toml'),
    ).toThrow(/^\/etc\/archkernel-load\.toml:3: unknown key kernel\.modulez \(known in \[kernel\]: image, modules_dir/);
  });

  it('a wrong type or value names the key and what was expected', () => {
    expect(() => parseConfig('\n[boot_server]\nport = "69"\n', 'a.toml')).toThrow(
      /^a\.toml:3: boot_server\.port must be an integer, found "69"/,
    );
    expect(() => parseConfig('[boot_server]\nport = 70000\n', 'a.toml')).toThrow(
      /a\.toml:2: boot_server\.port must be a port number/,
    );
    expect(() => parseConfig('[kernel]\ndecompress_modules = "yes"\n', 'a.toml')).toThrow(
      /a\.toml:2: kernel\.decompress_modules must be one of "auto", "always", "never", found "yes"/,
    );
    expect(() => parseConfig('[files]\ninitrd = "boot/x"\n', 'a.toml')).toThrow(
      /files\.initrd must be an absolute path/,
    );
    expect(() => parseConfig('[kernel]\nmodules = ["nbd", "../x"]\n', 'a.toml')).toThrow(
      /kernel\.modules must hold module names/,
    );
    expect(() => parseConfig('[nope]\nx = 1\n', 'a.toml')).toThrow(/a\.toml:1: unknown section \[nope\]/);
  });

  it('a TOML syntax error names the line', () => {
    expect(() => parseConfig('[kernel]\nimage = "/boot/zImage\n', 'b.toml')).toThrow(/^b\.toml:2: /);
    try {
      parseConfig('[kernel]\nimage = \n', 'b.toml');
    } catch (error) {
      expect((error as { code: string }).code).toBe('ARCHKERNEL_BAD_CONFIG');
    }
  });
});
