import type { QueueStatus, TranscriptAck, VisitorMessage } from '../../server/src/contracts/visitor.js';

export type { QueueStatus, TranscriptAck, VisitorMessage };

/** HTTP calls of the widget to the hub (cross-origin; the visitor token travels in a header, not a cookie). */
export function hubApi(hub: string, getToken: () => string | null) {
  async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = {};
    const token = getToken();
    if (token) headers['x-visitor-token'] = token;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(`${hub}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const json = await res.json().catch(() => ({}));
    if (!res.ok) throw Object.assign(new Error(json.message ?? `HTTP ${res.status}`), { status: res.status });
    return json as T;
  }
  return {
    status: () => call<{ online: boolean; reason: string; maxAttachmentBytes: number }>('GET', '/widget/api/status'),
    createVisitor: (b: { name?: string; email?: string; language: string }) => call<{ visitorId: string; token: string }>('POST', '/widget/api/visitors', b),
    conversation: () =>
      call<{ visitor: { name: string | null; email: string | null }; caseId: number | null; messages: VisitorMessage[]; status: QueueStatus }>('GET', '/widget/api/conversation'),
    sendWithFiles: (b: { text: string; clientId: string; attachments: { filename: string; contentType: string; contentBase64: string }[] }) =>
      call<VisitorMessage>('POST', '/widget/api/messages', b),
    offline: (b: { name?: string; email: string; text: string; language: string }) => call<{ caseNumber: number }>('POST', '/widget/api/offline-messages', b),
  };
}
