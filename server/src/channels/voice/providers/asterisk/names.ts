import { randomBytes } from 'node:crypto';

/**
 * Ids the hub gives ARI objects: each names the call (and agent) it belongs to, so a process that did not create it
 * — another node, or this one after a restart — knows what an event is about without any memory of its own.
 */
const rnd = () => randomBytes(4).toString('hex');

export const ids = {
  agentLeg: (callId: number, agentId: number) => `ch-agent-${callId}-${agentId}-${rnd()}`,
  supervisorLeg: (callId: number, agentId: number) => `ch-sup-${callId}-${agentId}-${rnd()}`,
  snoop: (callId: number, agentId: number) => `ch-snoop-${callId}-${agentId}-${rnd()}`,
  outboundAgentLeg: (callId: number) => `ch-c2ca-${callId}-${rnd()}`,
  outboundCustomerLeg: () => `ch-c2cc-${rnd()}${rnd()}`,
  bridge: (callId: number) => `ch-bridge-${callId}`,
  monitorBridge: (snoopId: string) => `ch-monitor-${snoopId}`,
  callRecording: (callId: number) => `ch-call-${callId}-${rnd()}`,
  voicemail: (callId: number) => `ch-vm-${callId}-${rnd()}`,
  playback: (callId: number, purpose: PlaybackPurpose) => `ch-pb-${callId}-${purpose}-${rnd()}`,
};

/** What happens when a playback finishes: hold music, record a voicemail, hang up, wait for a menu digit. */
export type PlaybackPurpose = 'hold' | 'voicemail' | 'hangup' | 'menu';

export function parsePlayback(id: string): { callId: number; purpose: PlaybackPurpose } | null {
  const m = /^ch-pb-(\d+)-(hold|voicemail|hangup|menu)-/.exec(id);
  return m ? { callId: Number(m[1]), purpose: m[2] as PlaybackPurpose } : null;
}

export function parseRecording(name: string): { callId: number; kind: 'call' | 'voicemail' } | null {
  const m = /^ch-(call|vm)-(\d+)-/.exec(name);
  return m ? { callId: Number(m[2]), kind: m[1] === 'vm' ? 'voicemail' : 'call' } : null;
}

/** Roles of the channels the hub originates, passed as Stasis appArgs: `<role>,<callId>,<agentId>[,<snoopId>]`. */
export type LegRole = 'agent' | 'warm' | 'supervisor' | 'barge' | 'snoop' | 'c2c-agent' | 'c2c-customer';

export function legArgs(role: LegRole, callId: number, agentId = 0, extra = ''): string {
  return [role, callId, agentId, extra].filter((x) => x !== '').join(',');
}

export function parseLegArgs(args: string[]): { role: LegRole; callId: number; agentId: number; extra: string } | null {
  // Asterisk passes Stasis arguments as a list; the hub's own originations carry one comma-separated string
  const parts = args.length === 1 ? args[0]!.split(',') : args;
  const roles: LegRole[] = ['agent', 'warm', 'supervisor', 'barge', 'snoop', 'c2c-agent', 'c2c-customer'];
  if (!roles.includes(parts[0] as LegRole)) return null;
  const callId = Number(parts[1]);
  if (!Number.isSafeInteger(callId) || callId < 1) return null;
  return { role: parts[0] as LegRole, callId, agentId: Number(parts[2] ?? 0) || 0, extra: parts[3] ?? '' };
}

export function endpointFor(template: string, vars: Record<string, string | number>): string {
  return template.replace(/\{(\w+)\}/g, (_, k: string) => String(vars[k] ?? ''));
}
