import { Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type pg from 'pg';
import type { Config } from '../../../server/src/config.js';
import type { Log } from '../../../server/src/lib/log.js';
import type { AttachmentStore } from '../../../server/src/storage/attachment-store.js';
import { TWILIO_QUEUE, addTwilioJob, createTwilioQueue, type TwilioJob } from '../../../server/src/channels/twilio/jobs.js';
import { fetchSmsMedia, pendingMediaInteractions } from '../../../server/src/channels/sms/providers/twilio/media.js';
import { maxWaitReached } from '../../../server/src/channels/voice/providers/twilio/max-wait.js';
import { reconcileStaleCalls } from '../../../server/src/channels/voice/providers/twilio/reconcile.js';
import { createQueues } from '../../../server/src/lib/queues.js';
import { queueEmitter } from '../../../server/src/realtime/emitter.js';
import { bestEffort } from '../../../server/src/lib/best-effort.js';

/**
 * Slow or timed Twilio work handed off by the webhooks (MMS media downloads, queue maximum wait), plus a sweep that re-adds work whose job
 * never reached Redis (the committed interaction is the record) and finishes calls whose status callbacks were lost.
 */
export function startTwilioWorker(deps: {
  db: pg.Pool;
  config: Config;
  store: AttachmentStore;
  log: Log;
  connection: Redis;
  producer: Redis;
  prefix: string;
  sweepMs?: number;
}): () => Promise<void> {
  const worker = new Worker<TwilioJob>(
    TWILIO_QUEUE,
    async (job) => {
      if (job.data.kind === 'fetch-media') await fetchSmsMedia(deps, job.data.interactionId);
      else if (job.data.kind === 'max-wait') await maxWaitReached(deps, job.data.callId, job.data.queuedAt);
    },
    { connection: deps.connection, prefix: deps.prefix, concurrency: 5 },
  );
  worker.on('error', (err) => deps.log.warn({ err }, 'twilio worker error'));
  const queue = createTwilioQueue(deps.producer, deps.prefix, deps.log);
  const hubQueues = createQueues(deps.producer, deps.prefix, deps.log);
  const routingDeps = { db: deps.db, queues: hubQueues, realtime: queueEmitter(hubQueues.realtime, deps.log), log: deps.log, config: deps.config };
  let stopped = false;
  const timer = setInterval(async () => {
    if (stopped) return;
    try {
      for (const id of await pendingMediaInteractions(deps.db)) await addTwilioJob(queue, { kind: 'fetch-media', interactionId: id });
      const ended = await reconcileStaleCalls(routingDeps);
      if (ended) deps.log.info({ ended }, 'finished calls whose status callbacks were lost');
    } catch (err) {
      deps.log.warn({ err }, 'twilio media sweep failed; will retry');
    }
  }, deps.sweepMs ?? 60_000);
  return async () => {
    stopped = true;
    clearInterval(timer);
    await worker.close();
    await bestEffort(queue.close(), deps.log, 'closing the twilio queue');
    await bestEffort(hubQueues.closeAll(), deps.log, 'closing the hub queues');
  };
}
