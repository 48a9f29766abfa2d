import { randomUUID } from 'node:crypto';
import { WebSocketServer, type WebSocket } from 'ws';
import type { FakeSlack } from './fake-slack.ts';

/** Slack's deadline for an envelope's ack. Past it Slack shows the user an error; here the send fails. */
export const ACK_DEADLINE_MS = 3_000;

export type EnvelopeType = 'slash_commands' | 'interactive' | 'events_api';

export interface Connection {
  /** 1 for the first connection, 2 for the one after a reconnect, … (the `ticket` in its URL). */
  number: number;
  socket: WebSocket;
  open: boolean;
}

export interface Acked {
  envelopeId: string;
  type: EnvelopeType;
  /** The ack's payload as the app sent it ({} when it sent none). */
  payload: Record<string, any>;
  /** Which connection carried the envelope and its ack. */
  connection: number;
  /** How long the ack took: recorded for the reader, never asserted beyond the protocol's 3 s. */
  ms: number;
}

/**
 * A local stand-in for Slack's Socket Mode servers (the network edge we do not own), speaking the protocol
 * as Slack does: `apps.connections.open` on the fake Web API answers with this server's ws:// URL (a fresh
 * ticket each time); each connection is greeted with `hello`; envelopes go down the newest open connection
 * and must be acked with their `envelope_id` within 3 s; `disconnect` asks the app to reconnect. It pings
 * like Slack, so the client's heartbeat is exercised too.
 */
export class FakeSocketMode {
  readonly connections: Connection[] = [];
  readonly acks: Acked[] = [];
  /** Messages from the app that are not acks of an envelope we sent (there should be none). */
  readonly strays: unknown[] = [];
  private server: WebSocketServer | null = null;
  private pinger: NodeJS.Timeout | null = null;
  private readonly waiting = new Map<string, (payload: Record<string, any>) => void>();
  private port = 0;

  constructor(private readonly slack: FakeSlack) {}

  async start(): Promise<this> {
    const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    this.server = server;
    await new Promise<void>((resolve) => server.once('listening', () => resolve()));
    const address = server.address();
    this.port = typeof address === 'object' && address ? address.port : 0;
    server.on('connection', (socket, request) => this.accept(socket, request.url ?? ''));
    this.slack.socketModeUrl = () => `ws://127.0.0.1:${this.port}/link/?ticket=${this.connections.length + 1}&app_id=A0FLIGHTDECK`;
    this.pinger = setInterval(() => {
      for (const connection of this.connections) if (connection.open) connection.socket.ping();
    }, 5_000);
    this.pinger.unref();
    return this;
  }

  async stop(): Promise<void> {
    if (this.pinger) clearInterval(this.pinger);
    for (const connection of this.connections) connection.socket.terminate();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  /** The connections the app holds now. */
  open(): Connection[] {
    return this.connections.filter((connection) => connection.open);
  }

  /** Sends an envelope down the newest open connection and resolves with its ack; rejects when none comes within 3 s. */
  async send(type: EnvelopeType, payload: Record<string, unknown>): Promise<Acked> {
    const connection = this.open().at(-1);
    if (!connection) throw new Error('no Socket Mode connection is open');
    const envelopeId = randomUUID();
    const started = performance.now();
    const acked = new Promise<Record<string, any>>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(envelopeId);
        reject(new Error(`envelope ${envelopeId} (${type}) was not acked within ${ACK_DEADLINE_MS} ms`));
      }, ACK_DEADLINE_MS);
      this.waiting.set(envelopeId, (answer) => {
        clearTimeout(timer);
        resolve(answer);
      });
    });
    connection.socket.send(JSON.stringify({ envelope_id: envelopeId, type, payload, accepts_response_payload: type !== 'events_api' }));
    const answer = await acked;
    const ack: Acked = { envelopeId, type, payload: answer, connection: connection.number, ms: Math.round(performance.now() - started) };
    this.acks.push(ack);
    return ack;
  }

  /**
   * A request as Slack would have POSTed it over HTTP (form-encoded, as test/support/slack-requests.ts builds
   * them), sent instead as the envelope Socket Mode carries: a slash command's fields as the payload, an
   * interactivity `payload=` JSON parsed. Answers like an HTTP response (200; the ack's payload, '' when empty).
   */
  async deliver(formBody: string): Promise<{ status: number; text: string; json: any; ack: Acked }> {
    const fields = new URLSearchParams(formBody);
    const interactive = fields.get('payload');
    const ack = interactive ? await this.send('interactive', JSON.parse(interactive)) : await this.send('slash_commands', Object.fromEntries(fields));
    const empty = Object.keys(ack.payload).length === 0;
    return { status: 200, text: empty ? '' : JSON.stringify(ack.payload), json: empty ? null : ack.payload, ack };
  }

  /** Slack asks the app to reconnect (it sends this about 10 s before it recycles the server holding the connection). */
  disconnect(reason: 'refresh_requested' | 'warning' | 'link_disabled' = 'refresh_requested'): void {
    const connection = this.open().at(-1);
    if (!connection) throw new Error('no Socket Mode connection is open');
    connection.socket.send(JSON.stringify({ type: 'disconnect', reason, debug_info: { host: 'fake-socket-mode' } }));
  }

  private accept(socket: WebSocket, url: string): void {
    const number = Number(new URL(url, 'ws://127.0.0.1').searchParams.get('ticket') ?? 0);
    const connection: Connection = { number, socket, open: true };
    this.connections.push(connection);
    socket.on('close', () => (connection.open = false));
    socket.on('message', (data) => {
      let message: { envelope_id?: unknown; payload?: unknown };
      try {
        message = JSON.parse(String(data));
      } catch {
        this.strays.push(String(data));
        return;
      }
      const resolve = typeof message.envelope_id === 'string' ? this.waiting.get(message.envelope_id) : undefined;
      if (!resolve) return void this.strays.push(message);
      this.waiting.delete(message.envelope_id as string);
      resolve(message.payload && typeof message.payload === 'object' ? (message.payload as Record<string, any>) : {});
    });
    socket.send(
      JSON.stringify({
        type: 'hello',
        num_connections: this.open().length,
        debug_info: { host: 'fake-socket-mode', approximate_connection_time: 18060 },
        connection_info: { app_id: 'A0FLIGHTDECK' },
      }),
    );
  }
}
