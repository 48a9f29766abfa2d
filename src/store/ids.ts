import { randomFillSync } from 'node:crypto';

/**
 * A UUID whose first 48 bits are the time in milliseconds (RFC 9562 version 7), the rest random: rows keyed
 * by it (runs, outbox rows) go in at the right edge of their primary key's btree instead of a random leaf, so
 * with a million stored runs a start still touches a few hot index pages, and after a checkpoint logs a
 * full-page image of one leaf, not of a new one each time. Postgres orders uuids byte by byte, as their
 * text sorts, so ids compare in creation order (to the millisecond).
 */
export function timeOrderedId(now: number = Date.now()): string {
  const bytes = randomFillSync(Buffer.alloc(16));
  bytes.writeUIntBE(now, 0, 6);
  bytes[6] = (bytes[6]! & 0x0f) | 0x70; // version 7
  bytes[8] = (bytes[8]! & 0x3f) | 0x80; // variant 10
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
