/**
 * The baseline of `npm run bench -- teams`: a bare botbuilder app (CloudAdapter, authentication off as
 * Flightdeck's is under TEAMS_ALLOW_UNAUTHENTICATED, a TeamsActivityHandler) that only answers a message
 * activity with one reply to the connector. Whatever Flightdeck's /api/messages adds over this is ours.
 * Usage: tsx bench/bare-botbuilder.ts <port>
 */
import { CloudAdapter, ConfigurationBotFrameworkAuthentication, TeamsActivityHandler } from 'botbuilder';
import express from 'express';

const [port] = process.argv.slice(2);
if (!port) throw new Error('usage: bare-botbuilder.ts <port>');
const adapter = new CloudAdapter(new ConfigurationBotFrameworkAuthentication({}));
class BareBot extends TeamsActivityHandler {
  constructor() {
    super();
    this.onMessage(async (context, next) => {
      await context.sendActivity('ok');
      await next();
    });
  }
}
const bot = new BareBot();
const app = express();
app.post('/api/messages', express.json({ limit: '1mb' }), (request, response) => void adapter.process(request, response, (context) => bot.run(context)));
app.get('/health/ready', (_request, response) => void response.send('ok'));
app.listen(Number(port), '127.0.0.1', () => process.stdout.write(`listening ${port}\n`));
