import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

/**
 * A program the project runs as a child process (redis-server, prometheus): from PATH, or, on
 * Debian as root, installed from Debian's package of the same name. Anywhere else the error says
 * what to install: the project's own scripts install what they need, where they can.
 */
export function binaryOrInstall(binary: string, options: { package: string; otherwise: string; log: (line: string) => void }): string {
  const found = onPath(binary);
  if (found) return found;
  if (process.getuid?.() !== 0 || !existsSync('/etc/debian_version')) throw new Error(options.otherwise);
  options.log(`${binary} is not installed; installing Debian’s ${options.package}…`);
  execFileSync('apt-get', ['update', '-qq'], { stdio: 'ignore' });
  execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', options.package], {
    stdio: 'ignore',
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
  const installed = onPath(binary);
  if (!installed) throw new Error(`apt-get installed ${options.package} but ${binary} is not on PATH.`);
  return installed;
}

function onPath(binary: string): string | null {
  for (const dir of [...(process.env.PATH ?? '').split(':'), '/usr/bin', '/usr/sbin']) {
    if (dir && existsSync(join(dir, binary))) return join(dir, binary);
  }
  return null;
}
