import type { CasePriority, Channel } from '../contracts/vocabulary.js';

// First-response targets in minutes: live channels are measured in seconds-to-minutes,
// written channels in hours; priority tightens them.
const FIRST_RESPONSE_MIN: Record<Channel, number> = { voice: 1, chat: 2, sms: 15, portal: 240, api: 240, email: 240 };
const PRIORITY_FACTOR: Record<CasePriority, number> = { urgent: 0.25, high: 0.5, normal: 1, low: 2 };
const RESOLUTION_HOURS: Record<CasePriority, number> = { urgent: 4, high: 24, normal: 72, low: 168 };

export function slaDueTimes(channel: Channel, priority: CasePriority, from: Date) {
  const frMs = FIRST_RESPONSE_MIN[channel] * PRIORITY_FACTOR[priority] * 60_000;
  return {
    firstResponseDueAt: new Date(from.getTime() + frMs),
    resolutionDueAt: new Date(from.getTime() + RESOLUTION_HOURS[priority] * 3_600_000),
  };
}
