/**
 * Is an error "the database is not reachable right now" (down, restarting, connections
 * refused or exhausted) rather than a bug? Those become SERVICE_UNAVAILABLE for the client and
 * are retried at start; everything else stays an internal error.
 */
const UNAVAILABLE_SQLSTATES = new Set(['57P01', '57P02', '57P03', '53300']);
const UNAVAILABLE_ERRNOS = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENOTFOUND']);
const UNAVAILABLE_MESSAGES = /timeout exceeded when trying to connect|Connection terminated|not currently accepting connections|the database system is (starting up|shutting down)/;

export function isDatabaseUnavailable(error: unknown): boolean {
  const e = error as { code?: string; message?: string } | null;
  if (!e) return false;
  if (typeof e.code === 'string' && (e.code.startsWith('08') || UNAVAILABLE_SQLSTATES.has(e.code) || UNAVAILABLE_ERRNOS.has(e.code))) return true;
  return typeof e.message === 'string' && UNAVAILABLE_MESSAGES.test(e.message);
}

/** Retries `work` while the database is unavailable: 0.5 s, 1 s, 2 s … up to `attempts`, saying so each time. */
export async function whenDatabaseAnswers<T>(work: () => Promise<T>, onWait: (attempt: number, delayMs: number) => void, attempts = 8): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await work();
    } catch (error) {
      if (!isDatabaseUnavailable(error) || attempt >= attempts) throw error;
      const delayMs = Math.min(500 * 2 ** (attempt - 1), 10_000);
      onWait(attempt, delayMs);
      await new Promise((resolve) => setTimeout(resolve, delayMs));
    }
  }
}
