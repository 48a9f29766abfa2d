import pino, { type Logger } from 'pino';

/** JSON lines, one per event. Slack tokens and secrets are redacted wherever they appear in a logged object. */
export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: { app: 'flightdeck' },
      redact: { paths: ['*.token', '*.botToken', '*.signingSecret', '*.appToken', 'headers.authorization', '*.password'], censor: '[secret]' },
    },
    destination ?? pino.destination(2),
  );
}
