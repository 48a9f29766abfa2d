import express, { type Express } from 'express';
import type { Server } from 'node:http';

export interface Readiness {
  name: string;
  check(): Promise<void>;
}

/**
 * Health endpoints on the app that also serves /slack/events (Bolt's express app when Slack is
 * configured). No global body parser: Bolt needs the raw body to verify signatures.
 */
export function mountHealth(app: Express, checks: Readiness[], warnings: string[] = []): Express {
  app.get('/health', (_request, response) => {
    response.json({ status: 'ok' });
  });
  app.get('/health/ready', async (_request, response) => {
    const results = await Promise.all(
      checks.map(async ({ name, check }) => {
        try {
          await withTimeout(check(), 2_000);
          return { name, ok: true as const };
        } catch (error) {
          return { name, ok: false as const, error: (error as Error).message };
        }
      }),
    );
    const failing = results.filter((result) => !result.ok);
    response.status(failing.length ? 503 : 200).json({ status: failing.length ? 'unavailable' : 'ready', checks: results, warnings });
  });
  return app;
}

/** Prometheus' scrape endpoint; `scrape` gives the exposition text and its content type (observability/prometheus.ts). */
export function mountMetrics(app: Express, scrape: () => Promise<{ contentType: string; body: string }>): Express {
  app.get('/metrics', async (_request, response) => {
    try {
      const { contentType, body } = await scrape();
      response.type(contentType).send(body);
    } catch (error) {
      response
        .status(500)
        .type('text/plain')
        .send(`metrics unavailable: ${(error as Error).message}`);
    }
  });
  return app;
}

export function createBareApp(): Express {
  return express();
}

/** Where the server listens: every interface for a deployed server, loopback only for the demo (its Teams endpoint is unauthenticated). */
export interface ListenOn {
  host: string;
  /** When the port is taken, take any free one (the demo) rather than fail (a server behind a load balancer must get its port). */
  freePortIfTaken: boolean;
}

export async function listen(app: Express, port: number, on: ListenOn = { host: '0.0.0.0', freePortIfTaken: false }): Promise<Server> {
  try {
    return await listenOnce(app, port, on.host);
  } catch (error) {
    if (!on.freePortIfTaken || (error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error;
    return listenOnce(app, 0, on.host);
  }
}

function listenOnce(app: Express, port: number, host: string): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = app.listen(port, host, (error?: Error) => (error ? reject(error) : resolve(server)));
  });
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return Promise.race([promise, new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`no answer within ${ms}ms`)), ms))]);
}
