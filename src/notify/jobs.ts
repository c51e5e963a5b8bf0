/**
 * The complaint jobs in a server process: every `jobsSeconds`, deliver the outbox and run the
 * escalation job. Both are safe with several processes (SKIP LOCKED), so every worker of a
 * cluster may run them; a tick never overlaps the previous one in one process.
 */
import type { Pool } from 'pg';
import type { ValueHasher } from '../audit/keys';
import type { Clock } from '../clock';
import type { AppConfig } from '../config';
import type { Logger } from '../logger';
import type { Channels } from './channel';
import { escalateDueComplaints } from './escalation-job';
import { deliverDueMessages } from './outbox-worker';
import { smsGatewayChannel } from './sms-gateway-channel';
import { smtpChannel } from './smtp-channel';
import { COMPLAINT_DEADLINES } from '../../permissions/complaint-workflow';

/** The channels the configuration names (none: messages wait in the outbox). */
export function channelsFromConfig(config: AppConfig): Channels {
  const channels: Channels = {};
  if (config.complaints.smtpUrl) channels.EMAIL = smtpChannel({ url: config.complaints.smtpUrl, from: config.complaints.mailFrom });
  if (config.complaints.smsGatewayUrl) channels.SMS = smsGatewayChannel({ url: config.complaints.smsGatewayUrl, token: config.complaints.smsGatewayToken ?? null });
  return channels;
}

/** COMPLAINT_ESCALATE_HOURS, or the policy's default. */
export function escalationWindowHours(env: NodeJS.ProcessEnv = process.env): number {
  const value = Number(env.COMPLAINT_ESCALATE_HOURS ?? COMPLAINT_DEADLINES.escalateBeforeHours);
  return Number.isInteger(value) && value > 0 ? value : COMPLAINT_DEADLINES.escalateBeforeHours;
}

export interface ComplaintJobs {
  /** One tick now (tests, the CLI). */
  tick(): Promise<void>;
  stop(): Promise<void>;
}

export function startComplaintJobs(deps: { pool: Pool; config: AppConfig; log: Logger; hashValue: ValueHasher; clock: Clock; channels?: Channels }): ComplaintJobs {
  const channels = deps.channels ?? channelsFromConfig(deps.config);
  let running: Promise<void> | null = null;
  const tick = () => {
    running ??= (async () => {
      try {
        const now = deps.clock();
        const delivered = await deliverDueMessages({ pool: deps.pool, channels, now });
        const escalated = await escalateDueComplaints({ pool: deps.pool, hashValue: deps.hashValue, now, windowHours: escalationWindowHours() });
        if (delivered.sent + delivered.failed + delivered.retried + delivered.cancelled + escalated.length > 0) {
          deps.log.info({ ...delivered, escalated: escalated.length }, 'complaint jobs');
        }
      } catch (error) {
        deps.log.warn({ err: { code: (error as { code?: string }).code, message: (error as Error).message } }, 'complaint jobs failed: retried next tick');
      } finally {
        running = null;
      }
    })();
    return running;
  };
  const seconds = deps.config.complaints.jobsSeconds;
  const timer = seconds > 0 ? setInterval(() => void tick(), seconds * 1000) : null;
  timer?.unref();
  return {
    tick,
    async stop() {
      if (timer) clearInterval(timer);
      await running;
      for (const channel of Object.values(channels)) channel?.close?.();
    },
  };
}
