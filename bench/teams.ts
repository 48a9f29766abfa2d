import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { runPhase, type Check, type Prepared } from './load.ts';
import { printTable, saveJson, withRatios } from './report.ts';
import { BENCH_APPROVER, BENCH_USER, freeTargets, settle, startStack, type Stack } from './stack.ts';
import type { AckSettings, PhaseSample } from './ack.ts';

/**
 * Teams' ack path: a message activity "@Flightdeck deploy start <service> <version>" POSTed to /api/messages
 * at fixed rates, open loop, against Flightdeck serve (TEAMS_ALLOW_UNAUTHENTICATED=true, as the tests run it;
 * its worker running) and a bare botbuilder app that only replies, alternating A B at each rate. Both reply
 * through the Bot Framework connector (the activity's serviceUrl) before they answer: a stand-in here that
 * answers at once. The HTTP answer is the ack Teams waits for (it re-sends after 15 s).
 */

export const FLIGHTDECK = 'flightdeck';
export const BARE = 'bare-botbuilder';
const TEAMS_IDS = { alice: '0a11ce00-0000-4000-8000-0000000bench', bob: '0b0b0000-0000-4000-8000-0000000bench' };
const CHANNEL = '19:bench-deploys@thread.tacv2';
const BOT = { id: '28:flightdeck-bench', name: 'Flightdeck' };
/** Teams re-sends an activity not answered within 15 s: that is its deadline (Slack's is 3 s). */
const TEAMS_DEADLINE_MS = 15_000;

/** The ack bench's plan with Teams ids for its people and channel. */
function teamsPlan(service: string): string {
  return `service: ${service}
versionPattern: '^\\d+\\.\\d+\\.\\d+$'
defaultEnvironment: production
people:
  alice: { slack: ${BENCH_USER.id}, teams: ${TEAMS_IDS.alice} }
  bob: { slack: ${BENCH_APPROVER.id}, teams: ${TEAMS_IDS.bob} }
approvers: [bob]
onCall: [bob]
environments:
  production:
    channel: { slack: C0BENCH, teams: '${CHANNEL}' }
    strategy:
      kind: blue-green
      deployIdle: { name: Deploy, run: [node, demo/service/ctl.mjs, deploy], timeout: 60s }
      checkIdle: { name: Check, http: { url: 'http://127.0.0.1:9/health', timeout: 1s }, attempts: 1, interval: 100ms }
      switch: { name: Switch, run: [node, demo/service/ctl.mjs, switch], timeout: 10s }
      switchBack: { name: Switch back, run: [node, demo/service/ctl.mjs, switch-back], timeout: 10s }
`;
}

/** The Bot Framework connector as both apps see it: every reply, edit and roster read answered at once; replies counted by what they say. */
async function connectorStandIn(): Promise<{ url: string; server: Server; created: () => number }> {
  let next = 1;
  let created = 0;
  const server = createServer((request, response) => {
    let body = '';
    request.setEncoding('utf8');
    request.on('data', (chunk) => (body += chunk));
    request.on('end', () => {
      if (/Run \S+ created/.test(body)) created++;
      const member = /\/members\/([^/?]+)/.exec(request.url ?? '');
      const answer = member
        ? { id: decodeURIComponent(member[1]!), name: 'alice', aadObjectId: TEAMS_IDS.alice, userPrincipalName: 'alice@bench.example' }
        : { id: `activity-${next++}` };
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify(answer));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return { url: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/`, server, created: () => created };
}

/** A channel message mentioning the bot, as Teams POSTs it (unauthenticated: no Authorization header). */
function startMessage(serviceUrl: string, text: string): Prepared {
  const activity = {
    type: 'message',
    id: randomUUID(),
    channelId: 'msteams',
    serviceUrl,
    timestamp: new Date().toISOString(),
    from: { id: '29:alice', name: 'alice', aadObjectId: TEAMS_IDS.alice },
    recipient: BOT,
    conversation: { id: CHANNEL, conversationType: 'channel', isGroup: true, tenantId: 'tenant-bench' },
    channelData: { tenant: { id: 'tenant-bench' }, team: { id: '19:bench-team@thread.tacv2' }, channel: { id: CHANNEL } },
    text: `<at>Flightdeck</at> deploy ${text}`,
    entities: [{ type: 'mention', text: '<at>Flightdeck</at>', mentioned: BOT }],
  };
  return { path: '/api/messages', headers: { 'content-type': 'application/json' }, body: JSON.stringify(activity) };
}

const answered: Check = (status) => (status === 200 ? 'accepted' : 'error');

async function phase(stack: Stack, serviceUrl: string, created: () => number, system: string, rate: number, seconds: number, offset: number, label: string) {
  await freeTargets(stack);
  await settle(stack);
  const count = Math.max(1, Math.round(rate * seconds));
  const requests = Array.from({ length: count }, (_, i) =>
    startMessage(serviceUrl, `start ${stack.services[(offset + i) % stack.services.length]!} 1.0.${offset + i}`),
  );
  const before = { cpu: stack.cpuMs(), created: created() };
  const result = await runPhase(system === FLIGHTDECK ? stack.servePort : stack.barePort, rate, requests, answered, 30_000, TEAMS_DEADLINE_MS);
  await settle(stack);
  const after = { cpu: stack.cpuMs(), created: created() };
  const row: PhaseSample = { system, label, ...result };
  if (system === FLIGHTDECK) {
    row.serveCpuMsPerRequest = (after.cpu.serve - before.cpu.serve) / count;
    row.workerCpuMsPerRequest = (after.cpu.worker - before.cpu.worker) / count;
  } else row.serveCpuMsPerRequest = (after.cpu.bare - before.cpu.bare) / count;
  // Flightdeck's "accepted": runs created, as its replies to the connector said ("Run … created").
  if (system === FLIGHTDECK) row.accepted = after.created - before.created;
  const runs = system === FLIGHTDECK ? `, runs created ${row.accepted}/${count}` : '';
  console.log(
    `  ${system.padEnd(15)} ${String(rate).padStart(5)}/s ${label}: p50 ${result.p50.toFixed(1)} ms, p99 ${result.p99.toFixed(1)} ms, errors ${result.errors}${runs}, cpu ${row.serveCpuMsPerRequest.toFixed(2)} ms/req${row.workerCpuMsPerRequest !== undefined ? `, worker ${row.workerCpuMsPerRequest.toFixed(2)}` : ''}`,
  );
  return row;
}

export async function teamsBench(settings: Omit<AckSettings, 'saturation' | 'maxRate'>): Promise<void> {
  const services = Math.max(...settings.rates) * settings.phaseSeconds + 100;
  console.log(`Teams ack path: ${services} services, rates ${settings.rates.join(', ')}/s, ${settings.phaseSeconds} s phases, ${settings.rounds} rounds A B`);
  const connector = await connectorStandIn();
  const stack = await startStack({ services, plan: teamsPlan, bare: 'bench/bare-botbuilder.ts', env: { TEAMS_ALLOW_UNAUTHENTICATED: 'true' } });
  let offset = 0;
  const next = () => (offset += 100_000);
  const run = (system: string, rate: number, seconds: number, label: string) =>
    phase(stack, connector.url, connector.created, system, rate, seconds, next(), label);
  try {
    for (const system of [FLIGHTDECK, BARE]) await run(system, 20, 3, 'warm-up');
    const rows: PhaseSample[] = [];
    for (let round = 0; round < settings.rounds; round++)
      for (const rate of settings.rates)
        for (const system of [FLIGHTDECK, BARE]) rows.push(await run(system, rate, settings.phaseSeconds, `round ${round + 1}`));
    const merged = withRatios(rows, BARE);
    printTable('Teams "deploy start" message activity, open loop (p99 ratio: against the bare botbuilder app in the same round)', merged);
    console.log(`→ ${saveJson('teams', { settings, rows: merged })}`);
  } finally {
    await stack.stop();
    await new Promise<void>((resolve) => {
      connector.server.close(() => resolve());
      connector.server.closeAllConnections();
    });
  }
}
