import { del, get, post, qs } from '../api/http';
import type { CallView, LiveCallView, MonitorMode, MonitorResult, VoiceToken } from '../../../server/src/contracts/voice';

export type { CallView, LiveCallView, MonitorMode, MonitorResult, VoiceToken };

export const voiceApi = {
  status: () => get<{ browserCalling: boolean; outboundCalls: boolean }>('/api/v1/voice/status'),
  token: () => get<VoiceToken>('/api/v1/voice/token'),
  call: (caseId: number, to?: string) => post<CallView>('/api/v1/voice/calls', to ? { caseId, to } : { caseId }),
  calls: (caseId: number) => get<CallView[]>(`/api/v1/voice/calls${qs({ caseId })}`),
  /** supervisors: live calls with who monitors each */
  liveCalls: () => get<LiveCallView[]>('/api/v1/voice/calls/live'),
  /** supervisors: listen / whisper / barge (again while monitoring: switches the mode); the own softphone rings */
  monitor: (callId: number, mode: MonitorMode) => post<MonitorResult>(`/api/v1/voice/calls/${callId}/monitor`, { mode }),
  stopMonitor: (callId: number) => del<void>(`/api/v1/voice/calls/${callId}/monitor`),
};

let outboundCallsOnce: Promise<boolean> | null = null;
/** Whether this hub can call customers (asked once per page load: the answer changes only with configuration). */
export function outboundCallsConfigured(): Promise<boolean> {
  outboundCallsOnce ??= voiceApi.status().then(
    (s) => s.outboundCalls,
    (err) => {
      // without an answer the button stays hidden; asked again on the next page load
      console.warn('voice status unavailable', err);
      outboundCallsOnce = null;
      return false;
    },
  );
  return outboundCallsOnce;
}
