import type { QueueStatus, TranscriptAck, VisitorMessage } from '../../server/src/contracts/visitor.js';

import { jsonClient } from '../shared/http';

export type { QueueStatus, TranscriptAck, VisitorMessage };
export { ApiError } from '../shared/http';

/** HTTP calls of the widget to the hub (cross-origin; the visitor token travels in a header, not a cookie). */
export function hubApi(hub: string, getToken: () => string | null) {
  const call = jsonClient({ base: hub, credentials: 'omit', visitorToken: getToken });
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
