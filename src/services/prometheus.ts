import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { binaryOrInstall } from './binaries.ts';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './ports.ts';

export interface PrometheusService {
  url: string;
  stop(): Promise<void>;
}

/** Basic auth on every HTTP endpoint (Prometheus' --web.config.file); `bcryptHash` as `htpasswd -nbB` prints it. */
export interface PrometheusBasicAuth {
  user: string;
  password: string;
  bcryptHash: string;
}

/**
 * A private Prometheus scraping `targets` every `scrapeInterval`: for the demo and the tests.
 * Uses `prometheus` from PATH; on Debian as root a missing one is installed first (as for Redis).
 */
export async function startPrometheus(
  targets: string[],
  options: { scrapeInterval?: string; basicAuth?: PrometheusBasicAuth; log?: (line: string) => void } = {},
): Promise<PrometheusService> {
  const binary = binaryOrInstall('prometheus', {
    package: 'prometheus',
    otherwise: 'Prometheus is needed here: install it (Debian/Ubuntu: apt-get install prometheus) or put `prometheus` on PATH.',
    log: options.log ?? (() => {}),
  });
  const dir = mkdtempSync(join(tmpdir(), 'flightdeck-prometheus-'));
  const interval = options.scrapeInterval ?? '1s';
  writeFileSync(
    join(dir, 'prometheus.yml'),
    `global:\n  scrape_interval: ${interval}\n  evaluation_interval: ${interval}\nscrape_configs:\n  - job_name: flightdeck-target\n    static_configs:\n      - targets: [${targets.map((target) => `'${target}'`).join(', ')}]\n`,
  );
  const args = [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`, '--log.level=warn'];
  const readyHeaders: Record<string, string> = {};
  if (options.basicAuth) {
    const { user, password, bcryptHash } = options.basicAuth;
    writeFileSync(join(dir, 'web.yml'), `basic_auth_users:\n  ${JSON.stringify(user)}: ${JSON.stringify(bcryptHash)}\n`);
    args.push(`--web.config.file=${join(dir, 'web.yml')}`);
    readyHeaders.authorization = `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
  }
  const port = await freePort();
  const child = spawn(binary, [...args, `--web.listen-address=127.0.0.1:${port}`], { stdio: 'ignore' });
  const url = `http://127.0.0.1:${port}`;
  await waitReady(url, child, readyHeaders);
  return {
    url,
    stop: async () => {
      if (child.exitCode === null) await new Promise<void>((resolve) => child.once('exit', () => resolve()).kill('SIGTERM'));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Ready means /-/ready answers 200 to us: with basic auth on, a wrong password never gets there. */
async function waitReady(url: string, child: ChildProcess, headers: Record<string, string>): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`prometheus exited with code ${child.exitCode}`);
    const ready = await fetch(`${url}/-/ready`, { headers }).then(
      (response) => response.ok,
      () => false,
    );
    if (ready) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('prometheus did not become ready within 20 s');
}
