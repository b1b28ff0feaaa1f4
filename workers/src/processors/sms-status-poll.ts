import type { SmsStatusDeps } from '../../../server/src/channels/sms/provider.js';
import { smsProviders } from '../../../server/src/channels/sms/providers/index.js';

/**
 * Asks every SMS provider that can be asked (pollStatuses) for delivery reports its callbacks did not bring. Harmless
 * when several worker processes poll: a status only moves forward.
 */
export function startSmsStatusPoll(deps: SmsStatusDeps & { intervalMs?: number }): () => Promise<void> {
  let running: Promise<void> | null = null;
  const tick = async () => {
    for (const p of Object.values(smsProviders)) {
      if (!p.pollStatuses || !p.configured(deps.config)) continue;
      try {
        const n = await p.pollStatuses(deps);
        if (n) deps.log.info({ provider: p.name, changed: n }, 'SMS delivery statuses polled');
      } catch (err) {
        deps.log.warn({ err, provider: p.name }, 'SMS delivery status poll failed; will retry');
      }
    }
  };
  const timer = setInterval(() => {
    if (!running) running = tick().finally(() => (running = null));
  }, deps.intervalMs ?? 60_000);
  return async () => {
    clearInterval(timer);
    await running;
  };
}
