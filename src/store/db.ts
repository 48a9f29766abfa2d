import { fileURLToPath } from 'node:url';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import * as schema from './schema.ts';

/** Either a node-postgres pool or an embedded PGlite: the queries are written once for both. */
export type Db = PgDatabase<PgQueryResultHKT, typeof schema>;

export interface Database {
  db: Db;
  kind: 'postgres' | 'pglite';
  /** Proves the database answers: used by /health/ready. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export const MIGRATIONS_DIR = fileURLToPath(new URL('../../migrations', import.meta.url));

/** `DATABASE_URL` → Postgres; none → PGlite, in memory or in `dataDir`. */
export async function openDatabase(options: { url?: string | undefined; dataDir?: string | undefined }): Promise<Database> {
  if (options.url) {
    const { default: pg } = await import('pg');
    const { drizzle } = await import('drizzle-orm/node-postgres');
    const pool = new pg.Pool({ connectionString: options.url, max: 10 });
    const db = drizzle(pool, { schema }) as unknown as Db;
    return { db, kind: 'postgres', ping: async () => void (await pool.query('select 1')), close: () => pool.end() };
  }
  const { PGlite } = await import('@electric-sql/pglite');
  const { drizzle } = await import('drizzle-orm/pglite');
  const client = new PGlite(options.dataDir);
  const db = drizzle(client, { schema }) as unknown as Db;
  return { db, kind: 'pglite', ping: async () => void (await client.query('select 1')), close: () => client.close() };
}

/** Applies the drizzle-kit migrations in `migrations/`: the same files on both engines. */
export async function migrate(database: Database): Promise<void> {
  if (database.kind === 'postgres') {
    const { migrate: run } = await import('drizzle-orm/node-postgres/migrator');
    await run(database.db as never, { migrationsFolder: MIGRATIONS_DIR });
  } else {
    const { migrate: run } = await import('drizzle-orm/pglite/migrator');
    await run(database.db as never, { migrationsFolder: MIGRATIONS_DIR });
  }
}
