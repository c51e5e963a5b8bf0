/** /healthz: the process answers. /readyz: the database answers and every migration is applied. */
import { Router } from 'express';
import type { Pool } from 'pg';
import { migrationsApplied } from '../db/migrate';

export function healthRouter(pool: Pool, isStopping: () => boolean): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/readyz', async (_req, res) => {
    if (isStopping()) {
      res.status(503).json({ status: 'stopping' });
      return;
    }
    try {
      const applied = await migrationsApplied(pool);
      res.status(applied ? 200 : 503).json({ status: applied ? 'ready' : 'migrations pending', database: 'ok' });
    } catch {
      res.status(503).json({ status: 'database unavailable' });
    }
  });
  return router;
}
