/**
 * Debian's chromium, headless, through playwright-core: --no-sandbox because CI runs as root, and
 * /dev/shm left alone because containers often give it 64 MiB.
 */
import { type Browser, chromium } from 'playwright-core';

export const chromiumPath = '/usr/bin/chromium';

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    args: ['--no-sandbox', '--disable-dev-shm-usage'],
  });
}
