// One small client for the portal's own API (same origin; the session is an HTTP-only cookie).
import type { PortalArticle, PortalCategory, PortalMe, PortalOrganisation, RequestDetail, RequestSummary, ThreadMessage } from '../../server/src/contracts/views';

import { ApiError, jsonClient, qs } from '../../ui-shared/http';

export { ApiError };

const call = jsonClient({ credentials: 'same-origin' });

// the shapes are the server's response schemas (server/src/contracts/views.ts), not copies
export type { PortalOrganisation, RequestDetail, RequestSummary, ThreadMessage };
export type Article = PortalArticle;
export type Attachment = ThreadMessage['attachments'][number];
export interface FileUpload { filename: string; contentType: string; contentBase64: string }

export const portalApi = {
  me: () => call<PortalMe>('GET', '/portal/api/me'),
  organisation: () => call<PortalOrganisation>('GET', '/portal/api/organisation'),
  magicLink: (email: string, language: string) => call('POST', '/portal/api/auth/magic-link', { email, language }),
  smsCode: (phone: string, language: string) => call('POST', '/portal/api/auth/sms-code', { phone, language }),
  verifyCode: (phone: string, code: string) => call('POST', '/portal/api/auth/sms-code/verify', { phone, code }),
  logout: () => call('POST', '/portal/api/auth/logout'),
  categories: () => call<PortalCategory[]>('GET', '/portal/api/categories'),
  requests: () => call<RequestSummary[]>('GET', '/portal/api/requests'),
  request: (n: number) => call<RequestDetail>('GET', `/portal/api/requests/${n}`),
  submit: (b: { subject: string; description: string; categoryId?: number; language: string; attachments: FileUpload[] }) => call<{ number: number }>('POST', '/portal/api/requests', b),
  reply: (n: number, text: string, attachments: FileUpload[]) => call('POST', `/portal/api/requests/${n}/replies`, { text, attachments }),
  reopen: (n: number) => call('POST', `/portal/api/requests/${n}/reopen`),
  rate: (n: number, rating: number, comment: string) => call('POST', `/portal/api/requests/${n}/rating`, { rating, comment }),
  kb: (q: string, language?: string, mode: 'all' | 'any' = 'all') =>
    call<Article[]>('GET', `/portal/api/kb${qs({ q, language, mode, limit: 20 })}`),
  article: (slug: string) => call<Article>('GET', `/portal/api/kb/${encodeURIComponent(slug)}`),
};

export function fileToUpload(file: File): Promise<FileUpload> {
  return new Promise((resolve, reject) => {
    const r = new FileReader();
    r.onload = () => resolve({ filename: file.name, contentType: file.type || 'application/octet-stream', contentBase64: String(r.result).replace(/^data:[^,]*,/, '') });
    r.onerror = () => reject(r.error);
    r.readAsDataURL(file);
  });
}
