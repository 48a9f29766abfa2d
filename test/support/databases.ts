import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';
import { openDatabase, type Database } from '../../src/store/db.ts';

/** A fresh, migrated Postgres database of its own for one test file, dropped afterwards. */
export async function freshPostgres(): Promise<{ url: string; database: Database; drop(): Promise<void> }> {
  const base = new URL(inject('databaseUrl'));
  const name = `flightdeck_t_${randomBytes(5).toString('hex')}`;
  await adminQuery(base, `create database ${name}`);
  const url = new URL(base);
  url.pathname = `/${name}`;
  const database = await openDatabase({ url: url.toString() });
  await database.migrate();
  return {
    url: url.toString(),
    database,
    async drop() {
      await database.close();
      await adminQuery(base, `drop database if exists ${name} with (force)`);
    },
  };
}

/** An in-memory PGlite with the same migrations. */
export async function freshPglite(): Promise<Database> {
  const database = await openDatabase({});
  await database.migrate();
  return database;
}

async function adminQuery(url: URL, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: url.toString() });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** A queue prefix of its own, so test files share Redis without seeing each other's jobs. */
export function freshQueuePrefix(): string {
  return `fdt${randomBytes(4).toString('hex')}`;
}

/** Both engines the store runs on, for `describe.each(ENGINES)`: each opens a fresh migrated database and closes (drops) it. */
export const ENGINES = [
  [
    'Postgres',
    async () => {
      const pg = await freshPostgres();
      return { database: pg.database, close: pg.drop };
    },
  ],
  [
    'PGlite',
    async () => {
      const database = await freshPglite();
      return { database, close: () => database.close() };
    },
  ],
] as const;
