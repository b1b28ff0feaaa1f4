import { createHmac } from 'node:crypto';
import type { Config } from '../../../../config.js';

/**
 * The SIP password of an agent's endpoint `agent-<id>`: derived from ASTERISK_SIP_PASSWORD_SECRET, so pjsip.conf
 * (or realtime) holds the same value without the hub storing passwords — `npm run sip-password -- <agentId>` prints it.
 */
export function sipPassword(secret: string, agentId: number): string {
  return createHmac('sha256', secret).update(`agent-${agentId}`).digest('hex').slice(0, 32);
}

/** What an agent's browser needs to register with Asterisk over WebSocket; null unless all of it is configured. */
export function sipSettingsFor(config: Config, agent: { id: number; name: string }) {
  const a = config.asterisk;
  if (!a?.sipWsUrl || !a.sipDomain || !a.sipPasswordSecret) return null;
  const user = `agent-${agent.id}`;
  return {
    password: sipPassword(a.sipPasswordSecret, agent.id),
    sip: { wsUrl: a.sipWsUrl, uri: `sip:${user}@${a.sipDomain}`, authorizationUser: user, displayName: agent.name },
  };
}
