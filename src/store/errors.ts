/** True when a write failed on a unique constraint (named `constraint`, if given). Works for pg and PGlite, through drizzle's wrapper. */
export function isUniqueViolation(error: unknown, constraint?: string): boolean {
  for (let e: any = error; e; e = e.cause) {
    if (e.code === '23505') return !constraint || e.constraint === constraint || String(e.message ?? e.detail ?? '').includes(constraint);
  }
  return false;
}
