import type { Channel } from '../contracts/vocabulary.js';
import type { ChannelAdapter, InlineAssigned } from './types.js';
import { apiChannel } from './api/index.js';
import { smsChannel } from './sms/index.js';
import { voiceChannel } from './voice/index.js';
import { chatChannel } from './chat/index.js';
import { portalChannel } from './portal/index.js';
import { emailChannel } from './email/index.js';

/** Every channel the hub speaks. Adding a channel = a folder + one line here. */
export const channelAdapters: ChannelAdapter[] = [
  apiChannel,
  smsChannel,
  voiceChannel,
  chatChannel,
  portalChannel,
  emailChannel,
];

export function adapterFor(channel: Channel): ChannelAdapter | undefined {
  return channelAdapters.find((a) => a.channel === channel);
}

/** A channel's realtime-only assignment work, run after commit instead of a lifecycle job (RoutingDeps.inlineAssigned). */
export function inlineAssignedFor(channel: Channel): InlineAssigned | undefined {
  return adapterFor(channel)?.onAssignedInline;
}
