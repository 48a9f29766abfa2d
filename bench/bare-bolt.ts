/**
 * The baseline of `npm run bench`: a bare Bolt app on the same receiver Flightdeck uses (ExpressReceiver,
 * signature checked), that only acks `/deploy` and button clicks. Whatever Flightdeck adds over this is ours.
 * Given an inbox port and a database URL too, a second app on that port commits one insert of the verified
 * command (a durable inbox's row) before it acks: the least any design that keeps "what is acked is durable"
 * can do before the ack (`bench -- inbox`).
 * Usage: tsx bench/bare-bolt.ts <port> <signing secret> [<inbox port> <database url>]
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { App, ExpressReceiver, LogLevel } from '@slack/bolt';
import pg from 'pg';

const [port, signingSecret, inboxPort, databaseUrl] = process.argv.slice(2);
if (!port || !signingSecret) throw new Error('usage: bare-bolt.ts <port> <signing secret> [<inbox port> <database url>]');

function boltApp(): { app: App; receiver: ExpressReceiver } {
  const receiver = new ExpressReceiver({ signingSecret: signingSecret!, endpoints: '/slack/events', processBeforeResponse: false, logLevel: LogLevel.ERROR });
  const app = new App({ receiver, token: 'xoxb-bench', botId: 'B_BENCH', botUserId: 'U_BENCH', tokenVerificationEnabled: false, logLevel: LogLevel.ERROR });
  receiver.app.get('/health/ready', (_request, response) => void response.send('ok'));
  return { app, receiver };
}

// The event loop's delay since the bench last asked (bench/loop-delay.ts), as prom-client measures Flightdeck's.
const delay = monitorEventLoopDelay({ resolution: 10 }); // as prom-client samples Flightdeck (bench/loop-delay.ts RESOLUTION_MS)
delay.enable();

const bare = boltApp();
bare.receiver.app.get('/lag', (_request, response) => {
  response.json({ p99Ms: delay.percentile(99) / 1e6, maxMs: delay.max / 1e6 });
  delay.reset();
});
bare.app.command('/deploy', async ({ ack }) => ack({ response_type: 'ephemeral', text: 'ok' }));
bare.app.action(/.*/, async ({ ack }) => ack());
await bare.app.start(Number(port));

if (inboxPort && databaseUrl) {
  // Its pool opened whole and kept, as Flightdeck's is (store/db.ts), so no request waits for a new backend.
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 10, idleTimeoutMillis: 0 });
  await pool.query('create table if not exists bench_inbox (id bigserial primary key, body jsonb not null, received_at timestamptz not null default now())');
  const clients = await Promise.all(Array.from({ length: 10 }, () => pool.connect()));
  for (const client of clients) client.release();
  const inbox = boltApp();
  inbox.app.command('/deploy', async ({ command, ack }) => {
    await pool.query({ name: 'inbox', text: 'insert into bench_inbox (body) values ($1)', values: [JSON.stringify(command)] });
    await ack({ response_type: 'ephemeral', text: 'received' });
  });
  await inbox.app.start(Number(inboxPort));
}
process.stdout.write(`listening ${port}\n`);
