/**
 * JSON logs (pino). Authorization headers and cookies are redacted; request URLs are logged
 * without their query string because a GET /graphql carries the query and its variables there.
 */
import pino, { type DestinationStream, type Logger } from 'pino';

export type { Logger };

/**
 * Without a destination, logs go to stdout asynchronously: a synchronous write per line was the
 * largest single cost of a one-customer read (issue 16's S1 profile); pino flushes what is
 * buffered when the process exits. Lines are also gathered into writes of up to one pipe buffer
 * (one write per line was still 14% of S1's CPU): a line waits at most `FLUSH_MS`, and writes of
 * whole lines ≤ PIPE_BUF stay atomic when several workers share the output.
 */
const MIN_WRITE = 3072;
const MAX_WRITE = 4096;
const FLUSH_MS = 100;

export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino({
    level,
    // pid: with WORKERS > 1 several processes write to the same output.
    base: { service: 'customer-records', pid: process.pid },
    redact: {
      paths: ['req.headers.authorization', 'req.headers.cookie', 'headers.authorization', 'authorization', 'password'],
      censor: '[redacted]',
    },
  }, destination ?? pino.destination({ dest: 1, sync: false, minLength: MIN_WRITE, maxWrite: MAX_WRITE, periodicFlush: FLUSH_MS }));
}

export function pathOnly(url: string | undefined): string {
  if (!url) return '';
  const q = url.indexOf('?');
  return q === -1 ? url : url.slice(0, q);
}
