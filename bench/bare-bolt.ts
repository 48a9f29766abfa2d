/**
 * The baseline of `npm run bench`: a bare Bolt app on the same receiver Flightdeck uses (ExpressReceiver,
 * signature checked), that only acks `/deploy` and button clicks. Whatever Flightdeck adds over this is ours.
 * Usage: tsx bench/bare-bolt.ts <port> <signing secret>
 */
import { App, ExpressReceiver, LogLevel } from '@slack/bolt';

const [port, signingSecret] = process.argv.slice(2);
if (!port || !signingSecret) throw new Error('usage: bare-bolt.ts <port> <signing secret>');
const receiver = new ExpressReceiver({ signingSecret, endpoints: '/slack/events', processBeforeResponse: false, logLevel: LogLevel.ERROR });
const app = new App({ receiver, token: 'xoxb-bench', botId: 'B_BENCH', botUserId: 'U_BENCH', tokenVerificationEnabled: false, logLevel: LogLevel.ERROR });
app.command('/deploy', async ({ ack }) => ack({ response_type: 'ephemeral', text: 'ok' }));
app.action(/.*/, async ({ ack }) => ack());
receiver.app.get('/health/ready', (_request, response) => void response.send('ok'));
await app.start(Number(port));
process.stdout.write(`listening ${port}\n`);
