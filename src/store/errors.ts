/** True when a write failed on a unique constraint (named `constraint`, if given). Works for pg and PGlite, through drizzle's wrapper. */
export function isUniqueViolation(error: unknown, constraint?: string): boolean {
  for (let e: any = error; e; e = e.cause) {
    if (e.code === '23505') return !constraint || e.constraint === constraint || String(e.message ?? e.detail ?? '').includes(constraint);
  }
  return false;
}

/**
 * True when the database connection was lost under a statement: the session was ended (57P01 admin shutdown,
 * 57P02 crash shutdown, 57P03 cannot connect now), the link broke (class 08), or the socket closed under the
 * client ("Connection terminated unexpectedly", ECONNRESET). A write that fails so is in doubt: its commit may
 * have reached the database before the answer was lost, so "nothing was changed" is not known to be true.
 */
export function isConnectionLost(error: unknown): boolean {
  for (let e: any = error; e; e = e.cause) {
    const code = typeof e.code === 'string' ? e.code : '';
    if (/^(08|57P0[123])/.test(code) || ['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT'].includes(code)) return true;
    if (/Connection terminated|connection (is )?(closed|ended)|Client has encountered a connection error/i.test(String(e.message ?? ''))) return true;
  }
  return false;
}
