import type { App } from '@slack/bolt';
import type { AckKind, Metrics } from '../../observability/metrics.ts';

/**
 * Times every Slack ack, whatever receiver delivered the request (HTTP or Socket Mode): each receiver hands Bolt
 * the request with its `ack` through `app.processEvent`, so wrapping that one method sees them all (like front-door.ts;
 * wrapped after it, so its polite answers are timed too). The clock starts
 * when Bolt gets the request (after the signature check), and stops when the ack is sent.
 */
export function timeSlackAcks(app: App, metrics: Metrics): void {
  const processEvent = app.processEvent.bind(app);
  app.processEvent = (event) => {
    if (!event.ack) return processEvent(event);
    const started = performance.now();
    const kind = ackKindOf(event.body);
    const ack = event.ack;
    return processEvent({
      ...event,
      ack: async (response) => {
        try {
          return await ack(response);
        } finally {
          metrics.acked('slack', kind, (performance.now() - started) / 1_000);
        }
      },
    });
  };
}

function ackKindOf(body: Record<string, unknown>): AckKind {
  if (typeof body.command === 'string') return 'command';
  if (body.type === 'block_actions') return 'action';
  if (body.type === 'view_submission') return 'form';
  return 'other';
}
