import { chromium, type Browser } from 'playwright-core';
import { binaryOrInstall } from '../../src/services/binaries.ts';

/**
 * Debian's Chromium, driven by playwright-core: `npx playwright install` cannot download a browser
 * here, so the browser comes from apt-get like redis-server does (installed when missing, as root on
 * Debian; anywhere else the error says what to install). Playwright gives every launch a fresh,
 * temporary --user-data-dir of its own (it refuses one passed in args) and removes it on close; the
 * flags below keep Chromium off the network (without them it tries the internet and stalls).
 */
const OFFLINE_FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
];

export function chromiumBinary(log: (line: string) => void = () => {}): string {
  return binaryOrInstall('chromium', {
    package: 'chromium',
    otherwise:
      'The browser tests need Chromium: install it (Debian/Ubuntu: apt-get install chromium) or run them as root on Debian, where it is installed for you.',
    log,
  });
}

export async function launchChromium(log: (line: string) => void = () => {}): Promise<Browser> {
  return chromium.launch({ executablePath: chromiumBinary(log), headless: true, args: OFFLINE_FLAGS });
}
