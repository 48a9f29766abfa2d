/**
 * One command grammar for every platform: Slack's `/deploy …`, a Teams message
 * "deploy …", a line typed in the shell. The text after the command word is parsed here.
 */

export type Command =
  | { kind: 'start'; service: string; version: string; environment: string | null }
  | { kind: 'status'; run: string | null }
  | { kind: 'rollback'; run: string; reason: string | null }
  | { kind: 'cancel'; run: string; reason: string | null }
  | { kind: 'help' };

export interface ParseError {
  kind: 'parse_error';
  message: string;
  usage: string;
}

export const USAGE = {
  start: '/deploy start <service> <version> [environment]',
  status: '/deploy status [run]',
  rollback: '/deploy rollback <run> [reason]',
  cancel: '/deploy cancel <run> [reason]',
  help: '/deploy help',
} as const;

export const HELP_LINES: string[] = [
  `${USAGE.start} — start a deployment run (e.g. /deploy start api 1.4.2 production)`,
  `${USAGE.status} — show a run, or the active runs`,
  `${USAGE.rollback} — roll a run back (approvers and on-call)`,
  `${USAGE.cancel} — cancel a run before production changes`,
  `${USAGE.help} — this help`,
];

const RUN_KEY = /^[a-z][a-z0-9-]*-\d+$/;
const SERVICE = /^[a-z][a-z0-9-]{0,39}$/;
const ENVIRONMENT = /^[a-z][a-z0-9-]{0,39}$/;
const VERSION = /^[0-9A-Za-z][0-9A-Za-z._+-]{0,63}$/;

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
    case 'status':
      if (args.length > 1) return error('status takes at most one run id.', USAGE.status);
      if (args[0] && !RUN_KEY.test(args[0])) return error(`"${args[0]}" is not a run id (they look like api-42).`, USAGE.status);
      return { kind: 'status', run: args[0] ?? null };
    case 'rollback':
    case 'cancel': {
      const kind = verb!.toLowerCase() as 'rollback' | 'cancel';
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

function parseStart(args: string[]): Command | ParseError {
  const flag = args.find((arg) => arg.startsWith('--'));
  if (flag) return error(`${flag} is not available yet.`, USAGE.start);
  const [service, version, environment, ...extra] = args;
  if (!service || !version) return error('start needs a service and a version.', USAGE.start);
  if (extra.length) return error(`Unexpected "${extra.join(' ')}".`, USAGE.start);
  if (!SERVICE.test(service)) return error(`"${service}" is not a service name (lower-case letters, digits, dashes).`, USAGE.start);
  if (!VERSION.test(version)) return error(`"${version}" is not a version.`, USAGE.start);
  if (environment !== undefined && !ENVIRONMENT.test(environment)) return error(`"${environment}" is not an environment name.`, USAGE.start);
  return { kind: 'start', service, version, environment: environment ?? null };
}

function error(message: string, usage: string): ParseError {
  return { kind: 'parse_error', message, usage };
}
