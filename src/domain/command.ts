import { parseLockWords } from './lock.ts';

/**
 * One command grammar for every platform: Slack's `/deploy …`, a Teams message
 * "deploy …", a line typed in the shell. The text after the command word is parsed here.
 */

export type Command =
  | {
      kind: 'start';
      service: string;
      version: string;
      environment: string | null;
      dryRun: boolean;
      strategy: string | null;
      queue?: boolean;
      /** --emergency: why to start inside a freeze window (domain/freeze.ts). */ emergency?: string;
      /** --at: when to start, as typed (domain/start-time.ts). */ at?: string;
      /** --commit: the commit deployed, and when it was made if the caller knows (DORA's lead time). */ commit?: { sha: string; at: string | null };
    }
  | { kind: 'plan'; service: string; environment: string | null }
  | { kind: 'status'; run: string | null }
  /**
   * Two commands share the verb: `rollback <run> [reason]` rolls back a run in flight, and
   * `rollback <service> [environment] [to <version>]` rolls back a finished deployment by a new run. A run key
   * is also a valid service name, so the words are kept in both readings they allow: `run` (with `reason`)
   * when the first word is a run key, `redeploy` when the words read as the second form. The use case picks
   * the one that names something that exists (app/on-command.ts).
   */
  | { kind: 'rollback'; run: string | null; reason: string | null; redeploy?: RedeployWords }
  | { kind: 'cancel'; run: string; reason: string | null }
  | { kind: 'resume'; run: string; reason: string | null }
  | { kind: 'lock'; service: string; environment: string; reason: string; forMs: number | null }
  | { kind: 'unlock'; service: string; environment: string; reason: string | null }
  | { kind: 'locks' }
  /** The last runs of a service (in one environment, or every one), newest first. */
  | { kind: 'history'; service: string; environment: string | null }
  /** DORA figures over the last `days` days: one service or every one, one environment or each plan's default. */
  | { kind: 'stats'; service: string | null; environment: string | null; days: number }
  | { kind: 'help' };

/** `rollback <service> [environment] [to <version>]`: what a rollback of a finished deployment names. */
export interface RedeployWords {
  service: string;
  environment: string | null;
  to: string | null;
}

export interface ParseError {
  kind: 'parse_error';
  message: string;
  usage: string;
}

/**
 * Commands that write nothing (a dry run included): their answer may come after the ack when a read is
 * slow, since nothing is promised by it. Everything else is answered in the ack once it is saved.
 */
export function writesNothing(command: Command | ParseError): boolean {
  if (command.kind === 'start') return command.dryRun;
  return ['parse_error', 'help', 'plan', 'status', 'locks', 'history', 'stats'].includes(command.kind);
}

export const USAGE = {
  start:
    '/deploy start <service> <version> [environment] [--dry-run] [--strategy <kind>] [--queue] [--emergency "<why>"] [--at "<when>"] [--commit <sha>[@<time>]]',
  plan: '/deploy plan <service> [environment]',
  status: '/deploy status [run]',
  rollback: '/deploy rollback <run> [reason]',
  redeploy: '/deploy rollback <service> [environment] [to <version>]',
  cancel: '/deploy cancel <run> [reason]',
  resume: '/deploy resume <run> [reason]',
  lock: '/deploy lock <service> <environment> <reason> [for 2h]',
  unlock: '/deploy unlock <service> <environment> [reason]',
  locks: '/deploy locks',
  history: '/deploy history <service> [environment]',
  stats: '/deploy stats [service] [environment] [--days 90]',
  help: '/deploy help',
} as const;

export const HELP_LINES: string[] = [
  `${USAGE.start} — start a deployment run (e.g. /deploy start api 1.4.2 production); --dry-run lists the steps it would run and starts nothing; --strategy picks one the plan offers; --queue runs it when the target's lock frees; --emergency "<why>" starts inside a freeze window (one more approver needed); --at "<when>" schedules it; --commit <sha>[@<time>] names the commit deployed (lead time in /deploy stats)`,
  `${USAGE.plan} — show a service's deployment plan: stages, steps, monitoring, rollback, approvers, on-call`,
  `${USAGE.status} — show a run, or the active runs`,
  `${USAGE.rollback} — roll a run back (approvers, on-call, admins)`,
  `${USAGE.redeploy} — roll a finished deployment back: a new run deploys again the version that ran before the live one, or the one named if it succeeded there (approvers, on-call, admins; no Go/No-Go unless the plan asks for one)`,
  `${USAGE.cancel} — cancel a run before production changes`,
  `${USAGE.resume} — continue a run that monitoring paused (approvers, on-call, admins)`,
  `${USAGE.lock} — stop new runs on a service and environment, with a reason, for a while or until unlocked`,
  `${USAGE.unlock} — lift a lock (whoever took it, or an admin; after a rollback: on-call, approvers or admins, with a reason)`,
  `${USAGE.locks} — list the locks in force`,
  `${USAGE.history} — the last runs, newest first: version, result, who, when, how long, why it rolled back`,
  `${USAGE.stats} — DORA figures from Flightdeck's own runs (frequency, lead time, change failure rate, recovery), each with its level`,
  `${USAGE.help} — this help`,
];

const RUN_KEY = /^[a-z][a-z0-9-]*-\d+$/;
const SERVICE = /^[a-z][a-z0-9-]{0,39}$/;
const ENVIRONMENT = /^[a-z][a-z0-9-]{0,39}$/;
const VERSION = /^[0-9A-Za-z][0-9A-Za-z._+-]{0,63}$/;
const STRATEGY = /^(blue-green|rolling|canary|feature-flag)$/;

/** Splits on whitespace, keeping "quoted phrases" (straight or curly quotes, as phones type them) together. */
export function tokenize(text: string): string[] {
  const tokens: string[] = [];
  const pattern = /["“”]([^"“”]*)["“”]|['‘’]([^'‘’]*)['‘’]|(\S+)/g;
  for (const match of text.matchAll(pattern)) tokens.push(match[1] ?? match[2] ?? match[3] ?? '');
  return tokens;
}

export function parseCommand(text: string): Command | ParseError {
  const [verb, ...args] = tokenize(text.trim());
  switch ((verb ?? 'help').toLowerCase()) {
    case 'help':
      return { kind: 'help' };
    case 'start':
      return parseStart(args);
    case 'plan': {
      const [service, environment, ...extra] = args;
      if (!service) return error('Which service? plan needs a service name.', USAGE.plan);
      if (extra.length) return error(`Unexpected "${extra.join(' ')}".`, USAGE.plan);
      return checkNames(service, environment, USAGE.plan) ?? { kind: 'plan', service, environment: environment ?? null };
    }
    case 'status':
      if (args.length > 1) return error('status takes at most one run id.', USAGE.status);
      if (args[0] && !RUN_KEY.test(args[0])) return error(`"${args[0]}" is not a run id (they look like api-42).`, USAGE.status);
      return { kind: 'status', run: args[0] ?? null };
    case 'lock': {
      const [service, environment, ...words] = args;
      if (!service || !environment) return error('lock needs a service, an environment and a reason.', USAGE.lock);
      const wrongName = checkNames(service, environment, USAGE.lock);
      if (wrongName) return wrongName;
      const said = parseLockWords(words);
      if ('error' in said) return error(said.error, USAGE.lock);
      return { kind: 'lock', service, environment, reason: said.reason, forMs: said.forMs };
    }
    case 'unlock': {
      const [service, environment, ...reason] = args;
      if (!service || !environment) return error('unlock needs a service and an environment.', USAGE.unlock);
      const wrongName = checkNames(service, environment, USAGE.unlock);
      if (wrongName) return wrongName;
      return { kind: 'unlock', service, environment, reason: reason.join(' ').trim() || null };
    }
    case 'locks':
      if (args.length) return error('locks takes no arguments.', USAGE.locks);
      return { kind: 'locks' };
    case 'rollback':
      return parseRollback(args);
    case 'history': {
      const [service, environment, ...extra] = args;
      if (!service) return error('Which service? history needs a service name.', USAGE.history);
      if (extra.length) return error(`Unexpected "${extra.join(' ')}".`, USAGE.history);
      return checkNames(service, environment, USAGE.history) ?? { kind: 'history', service, environment: environment ?? null };
    }
    case 'stats':
      return parseStats(args);
    case 'cancel':
    case 'resume': {
      const kind = verb!.toLowerCase() as 'cancel' | 'resume';
      const [run, ...reason] = args;
      if (!run) return error(`Which run? ${kind} needs a run id.`, USAGE[kind]);
      if (!RUN_KEY.test(run)) return error(`"${run}" is not a run id (they look like api-42).`, USAGE[kind]);
      const said = reason.join(' ').trim();
      return { kind, run, reason: said || null };
    }
    default:
      return error(`"${verb}" is not a Flightdeck command.`, HELP_LINES.join('\n'));
  }
}

/** The longest window `stats` reads: a year and a bit, enough for the yearly bucket. */
export const MAX_STATS_DAYS = 400;

function parseStats(args: string[]): Command | ParseError {
  const names: string[] = [];
  let days = 90;
  for (let index = 0; index < args.length; index++) {
    const arg = args[index]!.replace(/^[—–]-?/, '--');
    if (!arg.startsWith('--')) {
      names.push(arg);
      continue;
    }
    const [name, inline] = splitOnce(arg, '=');
    if (name !== '--days') return error(`${name} is not an option of stats (only --days <n>).`, USAGE.stats);
    const value = inline ?? args[++index];
    if (!value || !/^\d+$/.test(value) || Number(value) < 1 || Number(value) > MAX_STATS_DAYS)
      return error(`--days needs a whole number of days from 1 to ${MAX_STATS_DAYS}.`, USAGE.stats);
    days = Number(value);
  }
  const [service, environment, ...extra] = names;
  if (extra.length) return error(`Unexpected "${extra.join(' ')}".`, USAGE.stats);
  if (service === undefined) return { kind: 'stats', service: null, environment: null, days };
  return checkNames(service, environment, USAGE.stats) ?? { kind: 'stats', service, environment: environment ?? null, days };
}

/** Both rollbacks' usage, for an answer that cannot tell which one was meant. */
export const ROLLBACK_USAGE = `${USAGE.rollback} (a run in flight) or ${USAGE.redeploy} (a finished deployment)`;

/** `rollback <run> [reason]` and `rollback <service> [environment] [to <version>]`: see the Command type. */
function parseRollback(args: string[]): Command | ParseError {
  const [first, ...rest] = args;
  if (!first) return error('Which run or service? rollback needs a run id (a run in flight) or a service (a finished deployment).', ROLLBACK_USAGE);
  const asRedeploy = SERVICE.test(first)
    ? parseRedeployWords(first, rest)
    : { error: `"${first}" is neither a run id (they look like api-42) nor a service name.` };
  if (RUN_KEY.test(first))
    return { kind: 'rollback', run: first, reason: rest.join(' ').trim() || null, ...('error' in asRedeploy ? {} : { redeploy: asRedeploy }) };
  if ('error' in asRedeploy) return error(asRedeploy.error, ROLLBACK_USAGE);
  return { kind: 'rollback', run: null, reason: null, redeploy: asRedeploy };
}

/** `[environment] [to <version>]` after the service. */
function parseRedeployWords(service: string, words: string[]): RedeployWords | { error: string } {
  // Chat apps turn a typed "--" into a dash. No --queue: the version to go back to is decided when it is asked for.
  const option = words.find((word) => /^(--|[—–])/.test(word));
  if (option) return { error: `rollback takes no options ("${option}"); it starts now or says what stops it.` };
  const at = words.findIndex((word) => word.toLowerCase() === 'to');
  const before = at < 0 ? words : words.slice(0, at);
  const after = at < 0 ? [] : words.slice(at + 1);
  if (before.length > 1) return { error: `Unexpected "${before.slice(1).join(' ')}": after the service, rollback takes an environment and "to <version>".` };
  const environment = before[0] ?? null;
  if (environment !== null && !ENVIRONMENT.test(environment))
    return { error: `"${environment}" is not an environment name. To roll back a run in flight, name the run (they look like api-42).` };
  if (at >= 0 && after.length === 0) return { error: '"to" needs a version, e.g. rollback api to 1.4.1.' };
  if (after.length > 1) return { error: `Unexpected "${after.slice(1).join(' ')}" after the version.` };
  const to = after[0] ?? null;
  if (to !== null && !VERSION.test(to)) return { error: `"${to}" is not a version.` };
  return { service, environment, to };
}

/** The options of start, with what each one's value is (null: a switch without one). */
const START_FLAGS = {
  '--dry-run': { value: null },
  '--at': { value: 'a time, e.g. --at 14:00 or --at "2026-11-24 14:00 Europe/Berlin"' },
  '--emergency': { value: 'a justification, e.g. --emergency "checkout is down"' },
  '--strategy': { value: 'a strategy, e.g. --strategy canary' },
  '--queue': { value: null },
  '--commit': { value: 'a commit, e.g. --commit 3f2a9c1 or --commit 3f2a9c1@2026-11-23T10:00:00Z' },
} as const satisfies Record<string, { value: string | null }>;
type StartFlag = keyof typeof START_FLAGS;

const START_OPTIONS =
  'Options: --dry-run (list the steps, start nothing), --strategy <kind> (one the plan offers), --queue (start when the lock frees), --emergency "<why>" (inside a freeze window), --at "<when>" (schedule it).';

function parseStart(args: string[]): Command | ParseError {
  const positional: string[] = [];
  const flags = new Map<StartFlag, string | null>();
  for (let index = 0; index < args.length; index++) {
    // Chat apps turn a typed "--" into an em or en dash.
    const arg = args[index]!.replace(/^[—–]-?/, '--');
    if (!arg.startsWith('--')) {
      positional.push(arg);
      continue;
    }
    const [name, inline] = splitOnce(arg, '=');
    if (!isStartFlag(name)) return error(`${name} is not an option of start. ${START_OPTIONS}`, USAGE.start);
    const spec = START_FLAGS[name];
    if (spec.value === null) {
      if (inline !== null) return error(`${name} takes no value.`, USAGE.start);
      flags.set(name, null);
      continue;
    }
    const value = inline ?? args[index + 1];
    if (value === undefined || value === '' || (inline === null && /^(--|[—–])/.test(value))) return error(`${name} needs ${spec.value}.`, USAGE.start);
    if (inline === null) index++;
    flags.set(name, value);
  }
  const [service, version, environment, ...extra] = positional;
  if (!service || !version) return error('start needs a service and a version.', USAGE.start);
  if (extra.length) return error(`Unexpected "${extra.join(' ')}".`, USAGE.start);
  const wrongName = checkNames(service, environment, USAGE.start);
  if (wrongName) return wrongName;
  if (!VERSION.test(version)) return error(`"${version}" is not a version.`, USAGE.start);
  const strategy = flags.get('--strategy') ?? null;
  if (strategy !== null && !STRATEGY.test(strategy))
    return error(`"${strategy}" is not a strategy (blue-green, rolling, canary or feature-flag).`, USAGE.start);
  const commit = flags.has('--commit') ? parseCommit(flags.get('--commit')!) : undefined;
  if (commit && 'error' in commit) return error(commit.error, USAGE.start);
  const emergency = flags.get('--emergency')?.trim();
  if (emergency === '') return error(`--emergency needs ${START_FLAGS['--emergency'].value}.`, USAGE.start);
  return {
    kind: 'start',
    service,
    version,
    environment: environment ?? null,
    dryRun: flags.has('--dry-run'),
    strategy,
    ...(flags.has('--queue') ? { queue: true } : {}),
    ...(emergency ? { emergency } : {}),
    ...(flags.has('--at') ? { at: flags.get('--at')! } : {}),
    ...(commit ? { commit } : {}),
  };
}

/** `<sha>` or `<sha>@<ISO time>` (CI knows both: `git log -1 --format=%H@%cI`). */
function parseCommit(value: string): { sha: string; at: string | null } | { error: string } {
  const [sha, time] = splitOnce(value, '@');
  if (!/^[0-9a-f]{7,40}$/i.test(sha)) return { error: `"${sha}" is not a commit sha (7 to 40 hex digits).` };
  if (time === null) return { sha: sha.toLowerCase(), at: null };
  const at = Date.parse(time);
  if (!/^\d{4}-\d\d-\d\dT/.test(time) || Number.isNaN(at))
    return { error: `"${time}" is not a time: give the commit time as ISO 8601, e.g. ${sha}@2026-11-23T10:00:00Z.` };
  return { sha: sha.toLowerCase(), at: new Date(at).toISOString() };
}

function isStartFlag(name: string): name is StartFlag {
  return Object.hasOwn(START_FLAGS, name);
}

function splitOnce(text: string, separator: string): [string, string | null] {
  const at = text.indexOf(separator);
  return at < 0 ? [text, null] : [text.slice(0, at), text.slice(at + 1)];
}

function checkNames(service: string, environment: string | undefined, usage: string): ParseError | null {
  if (!SERVICE.test(service)) return error(`"${service}" is not a service name (lower-case letters, digits, dashes).`, usage);
  if (environment !== undefined && !ENVIRONMENT.test(environment)) return error(`"${environment}" is not an environment name.`, usage);
  return null;
}

function error(message: string, usage: string): ParseError {
  return { kind: 'parse_error', message, usage };
}
