/**
 * JSON logs (pino). Authorization headers and cookies are redacted; request URLs are logged
 * without their query string because a GET /graphql carries the query and its variables there.
 */
import pino, { type DestinationStream, type Logger } from 'pino';

export type { Logger };

/**
 * Without a destination, logs go to stdout asynchronously: a synchronous write per line was the
 * largest single cost of a one-customer read (issue 16's S1 profile); pino flushes what is
 * buffered when the process exits.
 */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino({
    level,
    // pid: with WORKERS > 1 several processes write to the same output.
    base: { service: 'customer-records', pid: process.pid },
    redact: {
      paths: ['req.headers.authorization', 'req.headers.cookie', 'headers.authorization', 'authorization', 'password'],
      censor: '[redacted]',
    },
  }, destination ?? pino.destination({ dest: 1, sync: false }));
}

export function pathOnly(url: string | undefined): string {
  if (!url) return '';
  const q = url.indexOf('?');
  return q === -1 ? url : url.slice(0, q);
}
