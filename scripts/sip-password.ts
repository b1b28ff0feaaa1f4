/**
 * Prints the SIP password of agent endpoints for pjsip.conf: `npm run sip-password -- 12 15` with
 * ASTERISK_SIP_PASSWORD_SECRET set as for the hub.
 */
import { sipPassword } from '../server/src/channels/voice/providers/asterisk/sip-credentials.js';

const secret = process.env.ASTERISK_SIP_PASSWORD_SECRET;
if (!secret) {
  console.error('set ASTERISK_SIP_PASSWORD_SECRET (the same value the hub uses)');
  process.exit(2);
}
const ids = process.argv.slice(2).map(Number);
if (!ids.length || ids.some((n) => !Number.isSafeInteger(n) || n < 1)) {
  console.error('usage: npm run sip-password -- <agentId> [<agentId> …]');
  process.exit(2);
}
for (const id of ids) console.log(`agent-${id} ${sipPassword(secret, id)}`);
