import type { ChannelAdapter } from '../types.js';
import inboundRoute from './inbound-route.js';

/** The generic channel: other systems push interactions over HTTP; replies are read back over the API. */
export const apiChannel: ChannelAdapter = {
  channel: 'api',
  routes: { prefix: '/api/v1', plugin: inboundRoute },
  async send() {
    // API consumers fetch agent replies from the case API; nothing to push.
    return { status: 'sent' };
  },
};
