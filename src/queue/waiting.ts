import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { QUEUES } from './jobs.ts';

/** Jobs ready for a worker and not taken, per queue, for /metrics: a number that grows when workers fall behind. */
export function queueDepths(connection: Redis, prefix: string): { waiting(): Promise<Record<string, number>>; close(): Promise<void> } {
  const queues = Object.values(QUEUES).map((name) => new Queue(name, { connection, prefix }));
  for (const queue of queues) queue.on('error', () => {}); // the runtime's own connection logs Redis errors once
  return {
    async waiting() {
      const counts = await Promise.all(queues.map(async (queue) => [queue.name, await queue.getJobCountByTypes('waiting', 'prioritized')] as const));
      return Object.fromEntries(counts);
    },
    close: async () => void (await Promise.all(queues.map((queue) => queue.close()))),
  };
}
