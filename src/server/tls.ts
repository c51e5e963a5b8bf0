/**
 * TLS on the HTTP hop: HTTPS from TLS_CERT_FILE/TLS_KEY_FILE, and HSTS whenever clients reach
 * the server over TLS (here, or at a proxy that terminates it: TRUSTED_TLS_PROXY).
 */
import { readFile } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { AppConfig } from '../config';

/** One year, subdomains included: browsers then never try plain HTTP to us. */
export const HSTS = 'max-age=31536000; includeSubDomains';

/** A certificate or key that cannot be read or used; names the variable to fix, never the key's content. */
export class TlsConfigurationError extends Error {
  override name = 'TlsConfigurationError';
}

async function readPem(variable: string, file: string): Promise<Buffer> {
  try {
    return await readFile(file);
  } catch (error) {
    throw new TlsConfigurationError(`${variable}: cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? 'unreadable'})`);
  }
}

/** `http.Server` either way (https.Server is one to Apollo's drain plugin and to `listen`). */
export async function createServerFor(config: AppConfig, app: http.RequestListener): Promise<http.Server> {
  if (!config.tls) return http.createServer(app);
  const [cert, key] = await Promise.all([readPem('TLS_CERT_FILE', config.tls.certFile), readPem('TLS_KEY_FILE', config.tls.keyFile)]);
  try {
    return https.createServer({ cert, key, minVersion: 'TLSv1.2' }, app);
  } catch (error) {
    // OpenSSL's reason (bad PEM, key does not match the certificate); it never quotes the key.
    throw new TlsConfigurationError(`TLS_CERT_FILE and TLS_KEY_FILE are not a usable certificate and key: ${(error as Error).message}`);
  }
}

/** Clients reach us over TLS: served here, or terminated by a trusted proxy in front. */
export function servedOverTls(config: AppConfig): boolean {
  return config.tls !== undefined || config.trustedTlsProxy;
}

export function strictTransportSecurity(): RequestHandler {
  return (_req: Request, res: Response, next: NextFunction) => {
    res.setHeader('Strict-Transport-Security', HSTS);
    next();
  };
}
