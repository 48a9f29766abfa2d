import { createServer, connect, type Server, type Socket } from 'node:net';
import { openDatabase, type Database } from '../../src/store/db.ts';
import { freshPostgres } from './databases.ts';

/**
 * Where a cut falls, relative to the statement whose messages carry the marker (a named statement's name
 * is in its Parse and in every Bind):
 * - `before`: the statement never reaches the database; the client's connection closes.
 * - `afterCommit`: the database runs and commits it; the client's connection closes just before
 *   ReadyForQuery, so the client sees the connection lost and not the commit (as when a session is ended
 *   right after a commit, or the network drops the answer).
 * - `inFlight`: the database runs it but its Sync is held back, so the transaction stays open; the client's
 *   connection closes at once and the Sync follows `commitAfterMs` later (the commit lands after the client
 *   has given up, as with a session whose client vanished mid-commit).
 */
export type CutPoint =
  | { at: 'before' }
  /** `andRefuse`: from the cut on, every connection is closed and new ones refused (the database out of reach) until `refuse` is cleared. */
  | { at: 'afterCommit'; andRefuse?: boolean }
  | { at: 'inFlight'; commitAfterMs: number };
export type Cut = CutPoint & { marker: string };

/**
 * A TCP proxy in front of the real Postgres that breaks one connection at a chosen point of the wire
 * protocol (messages are a type byte and a length; the client's first, the startup message, has no type).
 * The database is real; only the network between is faulty. `refuse` turns new connections away.
 */
export class PgProxy {
  private server: Server | null = null;
  private armed: Cut | null = null;
  private readonly sockets = new Set<Socket>();
  private readonly clients = new Set<Socket>();
  refuse = false;
  port = 0;

  constructor(private readonly target: { host: string; port: number }) {}

  async start(): Promise<this> {
    this.server = createServer((client) => this.accept(client));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as { port: number }).port;
    return this;
  }

  /** The database URL through the proxy. */
  url(databaseUrl: string): string {
    const url = new URL(databaseUrl);
    url.hostname = '127.0.0.1';
    url.port = String(this.port);
    return url.toString();
  }

  /** The next statement carrying `marker`, on whichever connection sends it, is cut as `cut` says. */
  arm(cut: Cut): void {
    this.armed = cut;
  }

  get pending(): boolean {
    return this.armed !== null;
  }

  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private accept(client: Socket): void {
    if (this.refuse) return void client.destroy();
    const server = connect(this.target.port, this.target.host);
    this.clients.add(client);
    client.on('close', () => this.clients.delete(client));
    for (const socket of [client, server]) {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
      socket.on('error', () => {});
    }
    let cut: Cut | null = null;
    let heldSync: Buffer | null = null;
    // A held-back Sync keeps the server's side open after the client's is gone: that is the point of it.
    client.on('close', () => heldSync || server.end());
    server.on('close', () => client.destroy());
    const fromClient = framer(true, (message, type) => {
      if (client.destroyed) return;
      if (!cut && this.armed && message.includes(this.armed.marker)) {
        cut = this.armed;
        this.armed = null;
        if (cut.at === 'before') return void client.destroy();
      }
      if (cut?.at === 'inFlight' && type === 'S' && !heldSync) {
        heldSync = message;
        client.destroy();
        const commitAfterMs = cut.commitAfterMs;
        setTimeout(() => server.end(heldSync!), commitAfterMs);
        return;
      }
      server.write(message);
    });
    const fromServer = framer(false, (message, type) => {
      if (cut?.at === 'afterCommit' && type === 'Z') {
        if (cut.andRefuse) {
          this.refuse = true;
          for (const other of this.clients) other.destroy();
        }
        client.destroy();
        return void server.end();
      }
      if (!client.destroyed) client.write(message);
    });
    client.on('data', fromClient);
    server.on('data', fromServer);
  }
}

/** Splits a byte stream into whole protocol messages. */
function framer(startup: boolean, onMessage: (message: Buffer, type: string) => void): (chunk: Buffer) => void {
  let buffered = Buffer.alloc(0);
  let first = startup;
  return (chunk) => {
    buffered = Buffer.concat([buffered, chunk]);
    for (;;) {
      const header = first ? 4 : 5;
      if (buffered.length < header) return;
      const length = first ? buffered.readUInt32BE(0) : buffered.readUInt32BE(1) + 1;
      if (buffered.length < length) return;
      const message = buffered.subarray(0, length);
      buffered = buffered.subarray(length);
      const type = first ? '' : String.fromCharCode(message[0]!);
      // An SSLRequest is answered with one byte and followed by the real startup message (pg sends none here).
      first = false;
      onMessage(message, type);
    }
  };
}

/** A fresh database, a proxy in front of it, and a Database opened through the proxy (the one the code under test uses). */
export async function proxiedPostgres(): Promise<{ pg: Awaited<ReturnType<typeof freshPostgres>>; proxy: PgProxy; proxied: Database; close(): Promise<void> }> {
  const pg = await freshPostgres();
  const url = new URL(pg.url);
  const proxy = await new PgProxy({ host: url.hostname, port: Number(url.port || 5432) }).start();
  const proxied = await openDatabase({ url: proxy.url(pg.url) });
  return {
    pg,
    proxy,
    proxied,
    async close() {
      await proxied.close();
      await proxy.stop();
      await pg.drop();
    },
  };
}
