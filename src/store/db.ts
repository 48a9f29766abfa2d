import { fileURLToPath } from 'node:url';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import * as schema from './schema.ts';

/** Either a node-postgres pool or an embedded PGlite: the queries are written once for both. */
export type Db = PgDatabase<PgQueryResultHKT, typeof schema>;

export interface Database {
  db: Db;
  kind: 'postgres' | 'pglite';
  /** Applies the drizzle-kit migrations in `migrations/`: the same files on both engines. */
  migrate(): Promise<void>;
  /** Proves the database answers: used by /health/ready. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export const MIGRATIONS_DIR = fileURLToPath(new URL('../../migrations', import.meta.url));
const MIGRATION_LOCK = 0x666c6431; // "fld1"

/** `DATABASE_URL` → Postgres; none → PGlite, in memory or in `dataDir`. */
export async function openDatabase(options: {
  url?: string | undefined;
  dataDir?: string | undefined;
  onConnectionError?: (error: Error) => void;
}): Promise<Database> {
  if (options.url) {
    const { default: pg } = await import('pg');
    const { drizzle } = await import('drizzle-orm/node-postgres');
    const { migrate } = await import('drizzle-orm/node-postgres/migrator');
    const pool = new pg.Pool({ connectionString: options.url, max: 10 });
    const onConnectionError = options.onConnectionError ?? (() => {});
    // Postgres restarting or failing over ends every session (57P01 "terminating connection due to administrator
    // command"). A client emits 'error' for it, and an 'error' nobody listens to kills the process: the pool listens
    // only while a client is idle, so a client checked out between two queries of a transaction would crash serve or
    // the worker. Every client gets a listener of its own; the pool drops a broken client (idle, or on release, as
    // it is no longer queryable) and connects a new one; the query or transaction that was using it fails with its
    // own error, which its caller handles (a polite "nothing was changed", a job retried).
    pool.on('connect', (client) => client.on('error', onConnectionError));
    pool.on('error', onConnectionError);
    return {
      db: drizzle(pool, { schema }) as unknown as Db,
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
      ping: async () => void (await pool.query('select 1')),
      close: () => pool.end(),
    };
  }
  const { PGlite } = await import('@electric-sql/pglite');
  const { drizzle } = await import('drizzle-orm/pglite');
  const { migrate } = await import('drizzle-orm/pglite/migrator');
  const client = new PGlite(options.dataDir);
  const db = drizzle(client, { schema });
  return {
    db: db as unknown as Db,
    kind: 'pglite',
    migrate: () => migrate(db, { migrationsFolder: MIGRATIONS_DIR }),
    ping: async () => void (await client.query('select 1')),
    close: () => client.close(),
  };
}
