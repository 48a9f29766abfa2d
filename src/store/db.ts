import { fileURLToPath } from 'node:url';
import { sql, type SQL } from 'drizzle-orm';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import * as schema from './schema.ts';

/** Either a node-postgres pool or an embedded PGlite: the queries are written once for both. */
export type Db = PgDatabase<PgQueryResultHKT, typeof schema>;

export interface Database {
  db: Db;
  kind: 'postgres' | 'pglite';
  /** Applies the drizzle-kit migrations in `migrations/`: the same files on both engines. */
  migrate(): Promise<void>;
  /**
   * Calls `onNotify` for each NOTIFY on `channel` (delivered at commit) until the returned stop is called.
   * On Postgres it holds one connection of its own and reconnects after losing it (a failover); a
   * notification sent while it was away is lost, so a listener also polls, slowly.
   */
  listen(channel: string, onNotify: () => void): Promise<() => Promise<void>>;
  /** Proves the database answers: used by /health/ready. */
  ping(): Promise<void>;
  /** Opens every pooled connection now, so the first burst of requests does not wait for them (see POOL_SIZE). */
  warm(): Promise<void>;
  close(): Promise<void>;
}

/**
 * One statement by name, its values numbered ($1 …), bypassing drizzle's query building: on Postgres a
 * named statement, parsed and planned once per connection (later calls send only Bind and Execute); PGlite,
 * one in-process connection, runs it as it is. For the hot statements of a start (store/create-run.ts,
 * store/target-facts.ts); a `name` always has the same text. Pass jsonb as JSON text, cast in the statement.
 */
export type NamedQuery = <Row>(name: string, text: string, values: unknown[]) => Promise<Row[]>;
const namedQueries = new WeakMap<Db, NamedQuery>();

/** The named-statement runner of a database opened by openDatabase (not of a transaction: these statements stand alone). */
export function namedQuery(db: Db): NamedQuery {
  const run = namedQueries.get(db);
  if (!run) throw new Error('named statements run on the database itself (openDatabase), not in a transaction');
  return run;
}

/** The runner when `db` is a database opened by openDatabase; null for a transaction (whose statements go through drizzle). */
export function namedQueryIfAny(db: Db): NamedQuery | null {
  return namedQueries.get(db) ?? null;
}

/** A named statement's text and values as drizzle SQL, to run it in a transaction or EXPLAIN it (tests). */
export function namedSql(text: string, values: readonly unknown[]): SQL {
  const parts = text.split(/\$(\d+)/);
  return sql.join(parts.map((part, index) => (index % 2 === 0 ? sql.raw(part) : sql.param(values[Number(part) - 1]))));
}

export const MIGRATIONS_DIR = fileURLToPath(new URL('../../migrations', import.meta.url));
/** The channel a commit of outbox rows notifies (the trigger of migration 0008). */
export const OUTBOX_CHANNEL = 'flightdeck_outbox';
const MIGRATION_LOCK = 0x666c6431; // "fld1"

/**
 * Connections per process unless DATABASE_POOL_SIZE says otherwise, opened at start (`warm`) and kept. pg's pool
 * closes a connection idle for 10 s by default, and a burst after a quiet spell then waited for new ones (a
 * Postgres backend forked, authenticated, its catalog caches cold, every named statement parsed again): the first
 * ~300 ms of each 200/s burst in `bench -- ack` queued behind that, p99 300–580 ms against 30–130 ms with the
 * connections kept (docs/DESIGN.md "Speed"). Ten per process is what Postgres's default max_connections (100)
 * holds for a few replicas. After a failover the pool grows back on demand.
 */
export const POOL_SIZE = 10;

/** `DATABASE_URL` → Postgres; none → PGlite, in memory or in `dataDir`. */
export async function openDatabase(options: {
  url?: string | undefined;
  dataDir?: string | undefined;
  poolSize?: number | undefined;
  /** Shown in pg_stat_activity, so an operator can tell serve's connections from a worker's. */
  applicationName?: string | undefined;
  onConnectionError?: (error: Error) => void;
}): Promise<Database> {
  if (options.url) {
    const { default: pg } = await import('pg');
    const { drizzle } = await import('drizzle-orm/node-postgres');
    const { migrate } = await import('drizzle-orm/node-postgres/migrator');
    const poolSize = options.poolSize ?? POOL_SIZE;
    const pool = new pg.Pool({ connectionString: options.url, max: poolSize, idleTimeoutMillis: 0, application_name: options.applicationName });
    const onConnectionError = options.onConnectionError ?? (() => {});
    // Postgres restarting or failing over ends every session (57P01 "terminating connection due to administrator
    // command"). A client emits 'error' for it, and an 'error' nobody listens to kills the process: the pool listens
    // only while a client is idle, so a client checked out between two queries of a transaction would crash serve or
    // the worker. Every client gets a listener of its own; the pool drops a broken client (idle, or on release, as
    // it is no longer queryable) and connects a new one; the query or transaction that was using it fails with its
    // own error, which its caller handles (a polite "nothing was changed", a job retried).
    pool.on('connect', (client) => client.on('error', onConnectionError));
    pool.on('error', onConnectionError);
    const db = drizzle(pool, { schema }) as unknown as Db;
    namedQueries.set(db, async <Row>(name: string, text: string, values: unknown[]) => (await pool.query({ name, text, values })).rows as Row[]);
    return {
      db,
      kind: 'postgres',
      async migrate() {
        // Replicas starting together take turns on one session: one migrates, the others find nothing to do.
        const client = await pool.connect();
        try {
          await client.query('select pg_advisory_lock($1)', [MIGRATION_LOCK]);
          await migrate(drizzle(client), { migrationsFolder: MIGRATIONS_DIR });
        } finally {
          await client.query('select pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => {});
          client.release();
        }
      },
      listen: (channel, onNotify) =>
        listenOnPostgres(
          { connectionString: options.url!, application_name: options.applicationName && `${options.applicationName} (listen)` },
          channel,
          onNotify,
          onConnectionError,
        ),
      ping: async () => void (await pool.query('select 1')),
      async warm() {
        // Held together, so each is a connection of its own; one that cannot open fails this, and the pool opens it on demand later.
        const clients = await Promise.allSettled(Array.from({ length: poolSize }, () => pool.connect()));
        const opened = clients.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
        await Promise.all(opened.map((client) => client.query('select 1').catch(() => {})));
        for (const client of opened) client.release();
        const failed = clients.find((result) => result.status === 'rejected');
        if (failed) throw failed.reason;
      },
      close: () => pool.end(),
    };
  }
  const { PGlite } = await import('@electric-sql/pglite');
  const { drizzle } = await import('drizzle-orm/pglite');
  const { migrate } = await import('drizzle-orm/pglite/migrator');
  const client = new PGlite(options.dataDir);
  const db = drizzle(client, { schema });
  namedQueries.set(db as unknown as Db, async <Row>(_name: string, text: string, values: unknown[]) => (await client.query<Row>(text, values)).rows);
  return {
    db: db as unknown as Db,
    kind: 'pglite',
    migrate: () => migrate(db, { migrationsFolder: MIGRATIONS_DIR }),
    listen: async (channel, onNotify) => {
      const unlisten = await client.listen(channel, () => onNotify());
      return async () => {
        if (!client.closed) await unlisten();
      };
    },
    ping: async () => void (await client.query('select 1')),
    warm: async () => {}, // one in-process connection, open already
    close: () => client.close(),
  };
}

/** LISTEN on a dedicated client, connected again a second after it is lost, until stopped. */
async function listenOnPostgres(
  connection: { connectionString: string; application_name: string | undefined },
  channel: string,
  onNotify: () => void,
  onConnectionError: (error: Error) => void,
): Promise<() => Promise<void>> {
  const { default: pg } = await import('pg');
  let stopped = false;
  let client: import('pg').Client | null = null;
  let retry: NodeJS.Timeout | null = null;
  const connect = async (): Promise<void> => {
    const next = new pg.Client(connection);
    next.on('notification', (message) => message.channel === channel && onNotify());
    const lost = (error?: Error) => {
      if (error) onConnectionError(error);
      if (client !== next) return;
      client = null;
      next.end().catch(() => {});
      if (!stopped) retry = setTimeout(() => void connect().catch(() => {}), 1_000);
    };
    next.on('error', lost);
    next.on('end', () => lost());
    client = next;
    try {
      await next.connect();
      await next.query(`listen ${pg.escapeIdentifier(channel)}`);
      onNotify(); // what was committed while it was away
    } catch (error) {
      lost(error as Error);
    }
  };
  await connect();
  return async () => {
    stopped = true;
    if (retry) clearTimeout(retry);
    const last = client;
    client = null;
    await last?.end().catch(() => {});
  };
}
