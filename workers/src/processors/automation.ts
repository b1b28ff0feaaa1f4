import { UnrecoverableError, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { QUEUE_NAMES, type AutomationJob, type WebhookJob } from '../../../server/src/contracts/jobs.js';
import type { Config } from '../../../server/src/config.js';
import { startInboxLoop, type AutomationDeps } from '../../../server/src/automation/engine.js';
import { runTimeRules } from '../../../server/src/automation/time-rules.js';
import { attemptDelivery, GiveUp, requeueDueDeliveries } from '../../../server/src/automation/webhooks.js';
import { webhookBackoffMs } from '../../../server/src/automation/webhook-send.js';
import { bestEffort } from '../../../server/src/lib/best-effort.js';

/**
 * Automation rules and outbound webhooks: the inbox loop (rules and webhooks on new case events), the
 * repeatable time sweep (time-based rules; webhook deliveries whose job Redis lost), and the webhook deliveries
 * with their day of retries (backoff type "webhook": base × 2^(n−1), at most an hour apart).
 */
export async function startAutomationWorker(deps: AutomationDeps & { config: Config; connection: Redis; prefix: string }): Promise<() => Promise<void>> {
  const a = deps.config.automation;
  const stopInbox = startInboxLoop(deps, a.pollMs, deps.log);
  const schedule = () => deps.queues.automation.upsertJobScheduler('automation-time-sweep', { every: a.timeSweepMs }, { name: 'time-sweep', data: { type: 'time-sweep' } });
  await bestEffort(schedule(), deps.log, 'scheduling the automation time sweep');
  // the schedule lives in Redis: registering it again now and then brings it back after a Redis loss (idempotent)
  const reschedule = setInterval(() => void bestEffort(schedule(), deps.log, 'scheduling the automation time sweep'), Math.max(60_000, a.timeSweepMs));
  const sweeper = new Worker<AutomationJob>(
    QUEUE_NAMES.automation,
    async () => {
      await runTimeRules(deps);
      await requeueDueDeliveries(deps.db, deps.queues.webhooks, Math.max(60_000, a.timeSweepMs), deps.log);
    },
    { connection: deps.connection, prefix: deps.prefix, concurrency: 1 },
  );
  const settings = { encryptionKey: deps.config.encryptionKey, ...a };
  const sender = new Worker<WebhookJob>(
    QUEUE_NAMES.webhooks,
    async (job) => {
      try {
        await attemptDelivery(deps.db, settings, job.data.deliveryId);
      } catch (err) {
        if (err instanceof GiveUp) throw new UnrecoverableError(err.message);
        throw err;
      }
    },
    {
      connection: deps.connection,
      prefix: deps.prefix,
      concurrency: 10,
      settings: { backoffStrategy: (attemptsMade: number) => webhookBackoffMs(attemptsMade, a.webhookRetryBaseMs) },
    },
  );
  for (const w of [sweeper, sender]) w.on('error', (err) => deps.log.warn({ err }, 'automation worker error'));
  return async () => {
    clearInterval(reschedule);
    await stopInbox();
    await Promise.all([sweeper.close(), sender.close()]);
  };
}
