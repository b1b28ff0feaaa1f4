import type { Log as Logger } from '../../server/src/lib/log.js';
import type pg from 'pg';
import type { Config } from '../../server/src/config.js';
import { createPool } from '../../server/src/db/pool.js';
import { createRedis } from '../../server/src/lib/redis.js';
import { createQueues } from '../../server/src/lib/queues.js';
import { startRecoverySweep } from './processors/recovery-sweep.js';
import { startSearchIndexer } from './processors/search-indexer.js';
import { startOutboundWorker } from './processors/outbound.js';
import { startTwilioWorker } from './processors/twilio.js';
import { startSmsStatusPoll } from './processors/sms-status-poll.js';
import { startNotificationsWorker } from './processors/notifications.js';
import { startCustomerNoticesWorker } from './processors/customer-notices.js';
import { startRouter } from './processors/router.js';
import { startLifecycleWorker } from './processors/lifecycle.js';
import { startMailboxSync } from './processors/mailbox-sync.js';
import { startAutomationWorker } from './processors/automation.js';
import { startSlaWorker } from './processors/sla-timers.js';
import { emitInteractionNew } from '../../server/src/cases/case-realtime.js';
import type { IngestDeps } from '../../server/src/ingest/pipeline.js';
import { localDiskStore } from '../../server/src/storage/attachment-store.js';
import { streamEmitter } from '../../server/src/realtime/emitter.js';
import { cancelViewNudges } from '../../server/src/realtime/view-counts.js';
import { bestEffort } from '../../server/src/lib/best-effort.js';
import { startAsteriskApp } from '../../server/src/channels/voice/providers/asterisk/app.js';

export interface WorkerDeps {
  config: Config;
  log: Logger;
  db?: pg.Pool;
}

export interface RunningWorkers {
  close(): Promise<void>;
}

/** Starts every background processor of this process; each one closes cleanly on SIGTERM. */
export async function startWorkers(deps: WorkerDeps): Promise<RunningWorkers> {
  const db = deps.db ?? createPool(deps.config.databaseUrl, 10, { log: deps.log });
  const producer = createRedis(deps.config.redisUrl, 'producer');
  const queues = createQueues(producer, deps.config.queuePrefix, deps.log);
  const closers: (() => Promise<void>)[] = [];

  const blocking = createRedis(deps.config.redisUrl, 'worker');
  const store = localDiskStore(deps.config.storageDir, { maxBytes: deps.config.attachmentMaxBytes });
  // events reach the sockets as entries of their Redis stream, read by every server node
  const realtime = streamEmitter(producer, deps.config.queuePrefix, deps.log);

  closers.push(startRecoverySweep({ db, queues, log: deps.log, intervalMs: deps.config.recoverySweepMs, outboundAfterMs: deps.config.outbound.sweepAfterMs }));
  closers.push(startSearchIndexer({ db, log: deps.log, intervalMs: deps.config.searchIndexMs }));
  closers.push(startOutboundWorker({ db, config: deps.config, store, log: deps.log, realtime, connection: blocking, prefix: deps.config.queuePrefix }));
  closers.push(startTwilioWorker({ db, config: deps.config, store, log: deps.log, connection: blocking, producer, prefix: deps.config.queuePrefix }));
  closers.push(startSmsStatusPoll({ db, config: deps.config, log: deps.log, realtime }));
  closers.push(startNotificationsWorker({ db, config: deps.config, log: deps.log, connection: blocking, prefix: deps.config.queuePrefix }));
  closers.push(startCustomerNoticesWorker({ db, config: deps.config, log: deps.log, queues, realtime, connection: blocking, prefix: deps.config.queuePrefix }));
  // the router emits offers through the sockets' Redis stream itself (processors/router.ts)
  const router = await startRouter({ db, config: deps.config, log: deps.log, queues });
  closers.push(() => router.close());
  const lifecycleConn = createRedis(deps.config.redisUrl, 'worker');
  const stopLifecycle = startLifecycleWorker({ db, config: deps.config, store, log: deps.log, realtime, connection: lifecycleConn, prefix: deps.config.queuePrefix });
  closers.push(async () => {
    await stopLifecycle();
    lifecycleConn.disconnect();
  });
  // What a worker that takes messages in (mail sync, Asterisk calls) ingests with: what it reads reaches open case
  // views like a message posted to a server.
  const ingest: IngestDeps = {
    db,
    store,
    routingQueue: queues.routing,
    threadWindowHours: deps.config.threadWindowHours,
    log: deps.log,
    onIngested: async (result) => {
      if (!result.duplicate) await bestEffort(emitInteractionNew(realtime, db, result.interactionId), deps.log, 'interaction:new emit');
    },
  };
  const automationConn = createRedis(deps.config.redisUrl, 'worker');
  const stopAutomation = await startAutomationWorker({
    db,
    queues,
    realtime,
    store,
    outbound: { countries: deps.config.outbound.countries, defaultCountry: deps.config.twilio.defaultCountry },
    log: deps.log,
    config: deps.config,
    connection: automationConn,
    prefix: deps.config.queuePrefix,
  });
  closers.push(async () => {
    await stopAutomation();
    automationConn.disconnect();
  });
  closers.push(startSlaWorker({ db, queues, log: deps.log, syncMs: deps.config.slaSyncMs }));
  closers.push(
    startMailboxSync({
      db,
      redis: producer,
      prefix: deps.config.queuePrefix,
      encryptionKey: deps.config.encryptionKey,
      loginUrl: deps.config.microsoftLoginUrl,
      inbound: {
        ingest,
        config: deps.config,
        outbound: queues.outbound,
        log: deps.log,
        realtime,
      },
      log: deps.log,
    }),
  );

  if (deps.config.asterisk) {
    // Asterisk calls: the Stasis app runs here; of all worker processes, the one holding its lease handles the events.
    const asterisk = startAsteriskApp({
      db,
      config: deps.config,
      log: deps.log,
      queues,
      realtime,
      redis: producer,
      ingest,
    });
    closers.push(() => asterisk.close());
  }

  return {
    async close() {
      cancelViewNudges();
      for (const c of closers.reverse()) await c().catch((err) => deps.log.warn({ err }, 'error while closing a worker'));
      await bestEffort(queues.closeAll(), deps.log, 'closing the worker queues');
      producer.disconnect();
      blocking.disconnect();
      if (!deps.db) await db.end();
    },
  };
}
