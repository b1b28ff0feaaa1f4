// One small client for the portal's own API (same origin; the session is an HTTP-only cookie).

export class ApiError extends Error {
  constructor(public status: number, message: string) {
    super(message);
  }
}

async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(path, {
    method,
    credentials: 'same-origin',
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = await res.json().catch(() => ({}));
  if (!res.ok) throw new ApiError(res.status, json.message ?? `HTTP ${res.status}`);
  return json as T;
}

export interface RequestSummary { number: number; subject: string; status: string; channel: string; createdAt: string; lastUpdateAt: string; rating: number | null }
export interface Attachment { id: number; filename: string; contentType: string; size: number; url: string }
export interface ThreadMessage { id: number; from: 'customer' | 'agent'; agentName: string | null; channel: string; text: string; createdAt: string; attachments: Attachment[] }
export interface RequestDetail extends RequestSummary { messages: ThreadMessage[] }
export interface Article { id: number; title: string; slug: string; excerpt: string; language: string; category: string; url: string; html?: string; body?: string; published?: boolean; updatedAt: string }
export interface FileUpload { filename: string; contentType: string; contentBase64: string }

export const portalApi = {
  me: () => call<{ name: string | null; language: string; identity: { kind: string; value: string } }>('GET', '/portal/api/me'),
  magicLink: (email: string, language: string) => call('POST', '/portal/api/auth/magic-link', { email, language }),
  smsCode: (phone: string, language: string) => call('POST', '/portal/api/auth/sms-code', { phone, language }),
  verifyCode: (phone: string, code: string) => call('POST', '/portal/api/auth/sms-code/verify', { phone, code }),
  logout: () => call('POST', '/portal/api/auth/logout'),
  categories: () => call<{ id: number; name: string; description: string }[]>('GET', '/portal/api/categories'),
  requests: () => call<RequestSummary[]>('GET', '/portal/api/requests'),
  request: (n: number) => call<RequestDetail>('GET', `/portal/api/requests/${n}`),
  submit: (b: { subject: string; description: string; categoryId?: number; language: string; attachments: FileUpload[] }) => call<{ number: number }>('POST', '/portal/api/requests', b),
  reply: (n: number, text: string, attachments: FileUpload[]) => call('POST', `/portal/api/requests/${n}/replies`, { text, attachments }),
  reopen: (n: number) => call('POST', `/portal/api/requests/${n}/reopen`),
  rate: (n: number, rating: number, comment: string) => call('POST', `/portal/api/requests/${n}/rating`, { rating, comment }),
  kb: (q: string, language?: string, mode: 'all' | 'any' = 'all') =>
    call<Article[]>('GET', `/portal/api/kb?${new URLSearchParams({ ...(q ? { q } : {}), ...(language ? { language } : {}), mode, limit: '20' })}`),
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
