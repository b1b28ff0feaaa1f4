// Admin → Automation rules and Admin → Webhooks (server/src/routes/api/admin/automation.ts). The shapes are the
// server's schemas (server/src/contracts/automation.ts).
import { del, get, http, post } from '../api/http';
import type { RuleInput, RuleView, WebhookDeliveryView, WebhookInput, WebhookView } from '../../../server/src/contracts/automation';

export type { RuleAction, RuleConditions, RuleInput, RuleTrigger, RuleView, RuleLog, WebhookDeliveryView, WebhookInput, WebhookView } from '../../../server/src/contracts/automation';
export { RULE_EVENTS, TIME_ANCHORS, WEBHOOK_EVENTS } from '../../../server/src/contracts/automation';

const A = '/api/v1/admin';
export const automationApi = {
  rules: () => get<RuleView[]>(`${A}/automation-rules`),
  createRule: (b: RuleInput) => post<RuleView>(`${A}/automation-rules`, b),
  updateRule: (id: number, b: RuleInput) => http<RuleView>('PUT', `${A}/automation-rules/${id}`, b),
  deleteRule: (id: number) => del<null>(`${A}/automation-rules/${id}`),
  orderRules: (ids: number[]) => post<RuleView[]>(`${A}/automation-rules/order`, { ids }),
  webhooks: () => get<WebhookView[]>(`${A}/webhooks`),
  createWebhook: (b: WebhookInput) => post<WebhookView>(`${A}/webhooks`, b),
  updateWebhook: (id: number, b: WebhookInput) => http<WebhookView>('PUT', `${A}/webhooks/${id}`, b),
  deleteWebhook: (id: number) => del<null>(`${A}/webhooks/${id}`),
  rotateSecret: (id: number) => post<WebhookView>(`${A}/webhooks/${id}/secret`),
  testWebhook: (id: number) => post<{ deliveryId: number }>(`${A}/webhooks/${id}/test`),
  deliveries: (id: number) => get<WebhookDeliveryView[]>(`${A}/webhooks/${id}/deliveries`),
  replay: (deliveryId: number) => post<{ deliveryId: number }>(`${A}/webhooks/deliveries/${deliveryId}/replay`),
};
