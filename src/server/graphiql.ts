/**
 * GraphiQL from local assets only (npm packages graphiql 3, react 18): nothing is fetched from
 * the internet, and the Content-Security-Policy forbids the page to try.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Router } from 'express';
import { projectRoot } from '../project-root';

const PAGE_DIR = path.join(projectRoot(), 'src', 'server', 'graphiql');

/** A file inside an installed package (its `exports` map hides the UMD builds from require). */
function packageFile(pkg: string, file: string): string {
  return path.join(path.dirname(require.resolve(`${pkg}/package.json`)), file);
}

const ASSETS = new Map<string, string>(Object.entries({
  'graphiql.min.css': packageFile('graphiql', 'graphiql.min.css'),
  'graphiql.min.js': packageFile('graphiql', 'graphiql.min.js'),
  'react.production.min.js': packageFile('react', 'umd/react.production.min.js'),
  'react-dom.production.min.js': packageFile('react-dom', 'umd/react-dom.production.min.js'),
  'start.js': path.join(PAGE_DIR, 'start.js'),
}));

const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "frame-ancestors 'none'",
].join('; ');

export function graphiqlRouter(): Router {
  const page = readFileSync(path.join(PAGE_DIR, 'graphiql.html'), 'utf8');
  const router = Router();
  router.get('/', (_req, res) => {
    res.set('Content-Security-Policy', CONTENT_SECURITY_POLICY).type('html').send(page);
  });
  router.get('/assets/:name', (req, res) => {
    const file = ASSETS.get(req.params.name); // a Map: "constructor" or "toString" are not assets
    if (!file) {
      res.status(404).end();
      return;
    }
    // start.js is this project's code (it decides what the browser stores): revalidated on every
    // load, so a fix reaches browsers at once. The packages' files change only with their version.
    res.set('Cache-Control', req.params.name === 'start.js' ? 'no-cache' : 'public, max-age=86400').sendFile(file);
  });
  return router;
}
