import type { QueueStatus, TranscriptAck, VisitorMessage } from '../../server/src/contracts/visitor.js';
import type { ChatStatus, OfflineMessageAccepted, VisitorCreated, WidgetConversation } from '../../server/src/contracts/views.js';

import { jsonClient } from '../../ui-shared/http';

export type { ChatStatus, QueueStatus, TranscriptAck, VisitorMessage, WidgetConversation };
export { ApiError } from '../../ui-shared/http';

/** HTTP calls of the widget to the hub (cross-origin; the visitor token travels in a header, not a cookie). */
export function hubApi(hub: string, getToken: () => string | null) {
  const call = jsonClient({ base: hub, credentials: 'omit', visitorToken: getToken });
  return {
    status: () => call<ChatStatus>('GET', '/widget/api/status'),
    createVisitor: (b: { name?: string; email?: string; language: string }) => call<VisitorCreated>('POST', '/widget/api/visitors', b),
    conversation: () => call<WidgetConversation>('GET', '/widget/api/conversation'),
    sendWithFiles: (b: { text: string; clientId: string; attachments: { filename: string; contentType: string; contentBase64: string }[] }) =>
      call<VisitorMessage>('POST', '/widget/api/messages', b),
    offline: (b: { name?: string; email: string; text: string; language: string }) => call<OfflineMessageAccepted>('POST', '/widget/api/offline-messages', b),
  };
}
