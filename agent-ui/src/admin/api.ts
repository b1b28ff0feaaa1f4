// One client for the admin console's resources (server/src/routes/api/admin/*, auth/profile, kb, canned responses).
import { del, get, http, patch, post, qs } from '../api/http';
import type { AgentNoticeKind, CustomerNoticeEvent } from '../api/types';
import type { SlaPolicyBody, SlaPolicyView } from '../api/types';

export const put = <T>(url: string, body: unknown) => http<T>('PUT', url, body);
export type Lang = 'en' | 'fa';
export type Localised = Partial<Record<Lang, string>>;

export interface AdminAgent {
  id: number; email: string; name: string; role: 'agent' | 'supervisor' | 'admin'; language: string; skills: string[];
  capacity: Record<string, number>; presence: string; phone: string | null; active: boolean;
}
export interface EscalationStep { afterSeconds: number; overflowQueueId?: number; priorityDelta?: number }
export interface AdminQueue {
  id: number; name: string; description: string; requiredSkills: string[]; channels: string[]; isDefault: boolean;
  overflowQueueId: number | null; escalationSteps: EscalationStep[]; priorityOverrides: Record<string, number>;
  slThresholds: Record<string, number>; maxWaitSeconds: number | null; offerTimeouts: Record<string, number>; distribution: 'longest_idle' | 'least_loaded' | null; memberIds: number[]; leadAgentId: number | null;
  wrapUpSeconds: number; dispositionRequired: boolean;
}
export interface Mailbox {
  id: number; name: string; address: string; displayName: string; queueId: number | null; active: boolean; authMethod: string;
  oauthTenantId: string | null; oauthClientId: string | null; hasOauthClientSecret: boolean;
  imapHost: string | null; imapPort: number; imapTls: boolean; imapUser: string | null; hasImapPassword: boolean; imapFolder: string;
  smtpHost: string | null; smtpPort: number; smtpSecurity: string; smtpUser: string | null; hasSmtpPassword: boolean;
  autoAck: boolean; autoAckTemplates: Record<string, { subject?: string; text?: string }>; signature: Record<string, string>;
  sync: { lastSyncAt: string | null; lastError: string | null; lastErrorAt: string | null; lastUid: number };
}
export interface MailboxTest { imap: { ok: boolean; error?: string; folderMessages?: number }; smtp: { ok: boolean; error?: string } }
/** A number as the admin API shows it (server/src/contracts/phone-numbers.ts): its voice and SMS providers included. */
export type { PhoneNumberView as PhoneNumber, PhoneNumberBody, PhoneProvidersView } from '../../../server/src/contracts/phone-numbers';
import type { PhoneNumberBody, PhoneNumberView, PhoneProvidersView } from '../../../server/src/contracts/phone-numbers';
/** One recorded prompt of a number: the default recording and the number's replacement, if any. */
export interface PhoneNumberPrompt { key: string; language: Lang; text: string; defaultUrl: string; custom: { url: string; contentType: string; size: number; uploadedAt: string } | null }
export type Shift = [string, string];
export interface Holiday { date: string; to?: string; yearly?: boolean; calendar?: 'gregory' | 'persian'; name: string }
export interface BusinessHours { id: number; queueId: number | null; timeZone: string; weekly: Record<string, Shift[]>; holidays: Holiday[]; updatedAt: string }
export type { SlaPolicyView, SlaPolicyBody } from '../api/types';
export interface ApiKey { id: number; name: string; createdBy: string | null; createdAt: string; revokedAt: string | null }
export interface Settings {
  name: string; defaultLanguage: Lang; timeZone: string; setUpAt: string | null; publicUrl: string;
  widget: { language?: Lang; prechat?: 'optional' | 'required' | 'off'; title?: string; colour?: string };
  branding: { name?: string; colour?: string; logoUrl?: string };
}
export interface OutboxEntry { id: number; interactionId: number; caseId: number; caseNumber: number; channel: string; to: string | null; subject: string | null; text: string; attachments: { filename: string; contentType: string }[]; createdAt: string }
export interface AuditEntry { id: number; actorId: number | null; actorName: string | null; action: string; entity: string; entityId: string | null; before: unknown; after: unknown; ip: string | null; createdAt: string }
export interface Canned { id: number; shortcut: string; title: string; body: string; language: string; ownerAgentId: number | null }
export interface Article { id: number; title: string; slug: string; body: string; language: string; category: string; published: boolean; url: string; updatedAt: string }
export interface Profile { id: number; email: string; name: string; role: string; language: string; phone: string | null; notificationPrefs: { offerSound?: boolean; kinds?: Partial<Record<AgentNoticeKind, boolean>>; browser?: boolean } }

export interface NoticeTemplate { event: CustomerNoticeEvent; language: Lang; subject: string; body: string; sms: string; edited: boolean; updatedAt: string | null }
export interface CustomerNotices { events: Partial<Record<CustomerNoticeEvent, boolean>>; autoCloseDays: number; placeholders: string[]; templates: NoticeTemplate[] }

const A = '/api/v1/admin';
export const adminApi = {
  agents: () => get<AdminAgent[]>(`${A}/agents`),
  createAgent: (b: object) => post<AdminAgent & { inviteSentTo?: string }>(`${A}/agents`, b),
  updateAgent: (id: number, b: object) => patch<AdminAgent>(`${A}/agents/${id}`, b),
  resetPassword: (id: number) => post<{ sentTo: string; expiresAt: string }>(`${A}/agents/${id}/password-reset`),
  queues: () => get<AdminQueue[]>(`${A}/queues`),
  createQueue: (b: object) => post<AdminQueue>(`${A}/queues`, b),
  updateQueue: (id: number, b: object) => patch<AdminQueue>(`${A}/queues/${id}`, b),
  mailboxes: () => get<Mailbox[]>(`${A}/mailboxes`),
  createMailbox: (b: object) => post<Mailbox>(`${A}/mailboxes`, b),
  updateMailbox: (id: number, b: object) => patch<Mailbox>(`${A}/mailboxes/${id}`, b),
  deleteMailbox: (id: number) => del<null>(`${A}/mailboxes/${id}`),
  testMailbox: (id: number) => post<MailboxTest>(`${A}/mailboxes/${id}/test`),
  phoneNumbers: () => get<PhoneNumberView[]>(`${A}/phone-numbers`),
  phoneProviders: () => get<PhoneProvidersView>(`${A}/phone-numbers/providers`),
  createPhoneNumber: (b: PhoneNumberBody) => post<PhoneNumberView>(`${A}/phone-numbers`, b),
  updatePhoneNumber: (id: number, b: PhoneNumberBody) => put<PhoneNumberView>(`${A}/phone-numbers/${id}`, b),
  deletePhoneNumber: (id: number) => del<null>(`${A}/phone-numbers/${id}`),
  phoneNumberPrompts: (id: number) => get<PhoneNumberPrompt[]>(`${A}/phone-numbers/${id}/prompts`),
  uploadPhoneNumberPrompt: (id: number, lang: Lang, key: string, file: File) => put<PhoneNumberPrompt>(`${A}/phone-numbers/${id}/prompts/${lang}/${key}`, file),
  deletePhoneNumberPrompt: (id: number, lang: Lang, key: string) => del<null>(`${A}/phone-numbers/${id}/prompts/${lang}/${key}`),
  businessHours: () => get<BusinessHours[]>(`${A}/business-hours`),
  saveBusinessHours: (b: object) => put<BusinessHours>(`${A}/business-hours`, b),
  deleteBusinessHours: (id: number) => del<null>(`${A}/business-hours/${id}`),
  slaPolicies: () => get<SlaPolicyView[]>(`${A}/sla-policies`),
  createSlaPolicy: (b: SlaPolicyBody) => post<SlaPolicyView>(`${A}/sla-policies`, b),
  updateSlaPolicy: (id: number, b: SlaPolicyBody) => put<SlaPolicyView>(`${A}/sla-policies/${id}`, b),
  deleteSlaPolicy: (id: number) => del<null>(`${A}/sla-policies/${id}`),
  apiKeys: () => get<ApiKey[]>(`${A}/api-keys`),
  createApiKey: (name: string) => post<{ id: number; name: string; key: string }>(`${A}/api-keys`, { name }),
  revokeApiKey: (id: number) => del<{ ok: true }>(`${A}/api-keys/${id}`),
  customerNotices: () => get<CustomerNotices>(`${A}/customer-notices`),
  saveNoticeSettings: (b: object) => put<CustomerNotices>(`${A}/customer-notices/settings`, b),
  saveNoticeTemplate: (event: string, language: string, b: object) => put<CustomerNotices>(`${A}/customer-notices/templates/${event}/${language}`, b),
  resetNoticeTemplate: (event: string, language: string) => del<CustomerNotices>(`${A}/customer-notices/templates/${event}/${language}`),
  previewNotice: (b: object) => post<{ subject: string; body: string; sms: string }>(`${A}/customer-notices/preview`, b),
  settings: () => get<Settings>(`${A}/settings`),
  saveSettings: (b: object) => put<Settings>(`${A}/settings`, b),
  audit: (f: Record<string, string | number | undefined>) => get<AuditEntry[]>(`${A}/audit${qs(f)}`),
  outbox: (before?: number) => get<{ enabled: boolean; entries: OutboxEntry[] }>(`${A}/outbox${qs({ before, limit: 50 })}`),
  canned: () => get<{ items: Canned[] }>('/api/v1/canned-responses'),
  createCanned: (b: object) => post<Canned>('/api/v1/canned-responses', b),
  deleteCanned: (id: number) => del<{ ok: true }>(`/api/v1/canned-responses/${id}`),
  articles: (f: Record<string, string | undefined> = {}) => get<Article[]>(`/api/v1/kb/articles${qs({ ...f, limit: 100 })}`),
  createArticle: (b: object) => post<Article>('/api/v1/kb/articles', b),
  updateArticle: (id: number, b: object) => patch<Article>(`/api/v1/kb/articles/${id}`, b),
  deleteArticle: (id: number) => del<null>(`/api/v1/kb/articles/${id}`),
  profile: () => get<Profile>('/api/v1/auth/profile'),
  saveProfile: (b: object) => patch<Profile>('/api/v1/auth/profile', b),
};
