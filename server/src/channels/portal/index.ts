import type { ChannelAdapter } from '../types.js';
import { handleNotification } from '../../customer-messages/handle.js';
import { portalRoutes } from './routes.js';

/**
 * The customer portal as a channel: requests come in through its forms; an agent's reply is
 * delivered by being there when the customer looks, plus an email telling them it arrived.
 */
export const portalChannel: ChannelAdapter = {
  channel: 'portal',
  routes: { prefix: '/portal', plugin: portalRoutes },
  async send(ctx, msg) {
    let notified = false;
    if (ctx.config.smtp.url) {
      await handleNotification({ db: ctx.db, config: ctx.config, log: ctx.log }, { kind: 'portal-reply', interactionId: msg.interactionId });
      notified = true;
    }
    return { provider: 'portal', status: 'delivered', metadata: { emailNotice: notified } };
  },
};
