// One backend of the demo service: a real HTTP server that reports its version.
//   node app.mjs <port> <version> [--instance <index>] [--flag <name>]
// Port 0: listen where the OS puts it and write that port to $DEMO_STATE_DIR/ports/<pid> for ctl.mjs.
// What a version's name makes it do, the way bad releases do:
//   "broken"       passes a direct health check but fails every request under production traffic
//                  (requests the router marks as live)
//   "errors"       stays healthy but reports a 20 % error ratio on /metrics (0.1 % otherwise)
//   "slow"         reports a p95 latency of 0.6 s instead of 0.1 s
//   "errors-at-W"  reports the 20 % error ratio only while it gets at least W % of production traffic
//                  (a canary that holds at 5 % and breaks under load at 25 %)
//   "breaks-at-N"  fails /health (direct or live) on rolling instances with index >= N; other
//                  instances, and backends that are not instances, stay healthy
//   "unhealthy"    fails /health, direct or live, from the start (a build that never comes up right)
//   "poisoned"     like "broken" once it served live traffic with its flag on, and from then on even with
//                  the flag off (the feature wrote bad data): turning the flag off does not help
// With --flag the version is deployed dark: all of that shows only while the flag is on. The flag is
// read from the state file on every request, so flipping it takes effect at once.
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { readState, stateDir } from './state.mjs';

const [portArgument, version, ...options] = process.argv.slice(2);
const option = (name) => (options.includes(`--${name}`) ? options[options.indexOf(`--${name}`) + 1] : undefined);
const instance = option('instance') === undefined ? null : Number(option('instance'));
const flag = option('flag') ?? null;
const breaksAt = /breaks-at-(\d+)/.exec(version);
const errorsAt = /errors-at-(\d+)/.exec(version);

const flagOn = () => readState().flags[flag] === true;
const released = () => !flag || flagOn();
const shows = (word) => version.includes(word) && released();
/** This process's share of production traffic, in percent, from the router's pool. */
function trafficShare() {
  const state = readState();
  const backends = Object.values(state.backends);
  const total = backends.reduce((sum, backend) => sum + (backend.weight > 0 ? backend.weight : 0), 0);
  const mine = backends.find((backend) => backend.pid === process.pid);
  return total > 0 && mine ? (100 * Math.max(0, mine.weight)) / total : 0;
}
const failing = () => (errorsAt ? released() && trafficShare() >= Number(errorsAt[1]) : shows('errors'));
const failsHealth = () => (Boolean(breaksAt) && instance !== null && instance >= Number(breaksAt[1]) && released()) || version.includes('unhealthy');
let poisoned = false;

function reply(response, status, body) {
  response.writeHead(status, { 'content-type': 'application/json' });
  response.end(JSON.stringify({ version, ...(instance !== null && { instance }), ...(flag && { flag, flagOn: flagOn() }), ...body }));
}

const server = createServer((request, response) => {
  if (request.url === '/metrics') {
    const errorRatio = failing() ? 0.2 : 0.001;
    const p95 = shows('slow') ? 0.6 : 0.1;
    response.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
    return response.end(
      `# TYPE demo_error_ratio gauge\ndemo_error_ratio ${errorRatio}\n# TYPE demo_latency_p95_seconds gauge\ndemo_latency_p95_seconds ${p95}\n`,
    );
  }
  if (request.url === '/health' && failsHealth()) return reply(response, 500, { error: `instance ${instance} cannot reach its database` });
  const live = request.headers['x-demo-live'] === '1';
  if (live && shows('poisoned')) poisoned = true;
  if ((shows('broken') || poisoned) && live) return reply(response, 500, { error: 'NullPointerException in checkout' });
  reply(response, 200, { status: 'ok', path: request.url });
});

server.listen(Number(portArgument), '127.0.0.1', () => {
  if (Number(portArgument) !== 0) return;
  const ports = join(stateDir, 'ports');
  mkdirSync(ports, { recursive: true });
  writeFileSync(join(ports, `${process.pid}.tmp`), String(server.address().port));
  renameSync(join(ports, `${process.pid}.tmp`), join(ports, String(process.pid)));
});
