import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A local stand-in for Kavenegar's REST API (https://kavenegar.com/rest.html), the hub pointed at it with
 * KAVENEGAR_API_BASE_URL. As Kavenegar: `{base}/v1/{API-KEY}/sms/{method}.json`, parameters as a form POST or a
 * query string, answers `{ return: { status, message }, entries }` with return.status also the HTTP status
 * (403 for a wrong API key, 411 receptor, 412 sender not a line of the account, 413 empty message); sms/send
 * lists the message with its messageid and status 1 (queued); sms/status and sms/statuslocalmessageid answer
 * status 100 for a message they do not know.
 */
export interface KavenegarMessage {
  messageid: number;
  localid: string | null;
  receptor: string;
  sender: string;
  message: string;
  status: number;
  date: number;
  cost: number;
}

export interface KavenegarRequest {
  method: string;
  /** e.g. sms/send */
  action: string;
  apiKey: string;
  params: Record<string, string>;
}

export interface KavenegarApiServer {
  url: string;
  requests: KavenegarRequest[];
  messages: KavenegarMessage[];
  /** Kavenegar moved a message on (4 sent to the operator, 10 delivered, 11 not delivered …). */
  setStatus(messageid: number, status: number): void;
  /** The next `n` accepted messages are stored but the connection is cut before the answer. */
  dropAnswers(n: number): void;
  /** The next requests for `action` get these return codes (e.g. 409: server cannot answer now). */
  failNext(action: string, ...codes: number[]): void;
  find(action: string): KavenegarRequest[];
  close(): Promise<void>;
}

const STATUS_TEXT: Record<number, string> = {
  1: 'در صف ارسال',
  2: 'زمان بندی شده',
  4: 'ارسال شده به مخابرات',
  5: 'ارسال شده به مخابرات',
  6: 'خطا در ارسال پیام',
  10: 'رسیده به گیرنده',
  11: 'نرسیده به گیرنده',
  13: 'ارسال پیام از سمت کاربر لغو شده',
  14: 'بلاک شده توسط گیرنده',
  100: 'شناسه پیامک نامعتبر است',
};

const ERROR_TEXT: Record<number, string> = {
  403: 'کد شناسائی API-Key معتبر نمی‌باشد',
  404: 'متدی با این نام پیدا نشده است',
  409: 'سرور قادر به پاسخگوئی نیست بعدا تلاش کنید',
  411: 'دریافت کننده نامعتبر است',
  412: 'ارسال کننده نامعتبر است',
  413: 'پیام خالی است و یا طول پیام بیش از حد مجاز می‌باشد',
};

export async function startKavenegarApiServer(opts: { apiKey: string; lines: string[] }): Promise<KavenegarApiServer> {
  const requests: KavenegarRequest[] = [];
  const messages: KavenegarMessage[] = [];
  const failures: { action: string; code: number }[] = [];
  let dropAnswers = 0;
  let nextId = 8792343;

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const u = new URL(req.url ?? '/', 'http://stand-in');
      const params: Record<string, string> = {};
      for (const [k, v] of u.searchParams) params[k] = v;
      for (const [k, v] of new URLSearchParams(Buffer.concat(chunks).toString('utf8'))) params[k] = v;
      const json = (status: number, entries: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
        res.end(JSON.stringify({ return: { status, message: status === 200 ? 'تایید شد' : (ERROR_TEXT[status] ?? 'خطا') }, entries }));
      };
      const m = /^\/v1\/([^/]+)\/([a-z]+\/[a-z]+)\.json$/.exec(u.pathname);
      if (!m) return json(404, null);
      const [, apiKey, action] = m as unknown as [string, string, string];
      requests.push({ method: req.method ?? 'GET', action, apiKey: decodeURIComponent(apiKey), params });
      if (decodeURIComponent(apiKey) !== opts.apiKey) return json(403, null);
      const f = failures.findIndex((x) => x.action === action);
      if (f >= 0) return json(failures.splice(f, 1)[0]!.code, null);

      const entry = (x: KavenegarMessage) => ({
        messageid: x.messageid, message: x.message, status: x.status, statustext: STATUS_TEXT[x.status], sender: x.sender, receptor: x.receptor, date: x.date, cost: x.cost,
      });
      if (action === 'sms/send') {
        const receptors = (params.receptor ?? '').split(',').filter(Boolean);
        if (!receptors.length || receptors.some((r) => !/^(09\d{9}|00[1-9]\d{6,14})$/.test(r))) return json(411, null);
        if (!params.sender || !opts.lines.includes(params.sender)) return json(412, null);
        if (!params.message) return json(413, null);
        // a UCS-2 part carries 67 characters of a long message (70 alone): Kavenegar charges per part
        const parts = /^[\x20-\x7e\n\r]*$/.test(params.message) ? (params.message.length <= 160 ? 1 : Math.ceil(params.message.length / 153)) : params.message.length <= 70 ? 1 : Math.ceil(params.message.length / 67);
        const sent = receptors.map((r) => {
          const x: KavenegarMessage = { messageid: nextId++, localid: params.localid ?? null, receptor: r, sender: params.sender!, message: params.message!, status: 1, date: Math.floor(Date.now() / 1000), cost: 120 * parts };
          messages.push(x);
          return x;
        });
        if (dropAnswers > 0) {
          dropAnswers--;
          return req.socket.destroy();
        }
        return json(200, sent.map(entry));
      }
      if (action === 'sms/status') {
        const ids = (params.messageid ?? '').split(',').filter(Boolean);
        if (!ids.length) return json(411, null);
        return json(200, ids.map((id) => {
          const x = messages.find((mm) => String(mm.messageid) === id);
          return { messageid: Number(id), status: x?.status ?? 100, statustext: STATUS_TEXT[x?.status ?? 100] };
        }));
      }
      if (action === 'sms/statuslocalmessageid') {
        const ids = (params.localid ?? '').split(',').filter(Boolean);
        if (!ids.length) return json(411, null);
        return json(200, ids.map((id) => {
          const x = messages.find((mm) => mm.localid === id);
          return { messageid: x?.messageid ?? 0, localid: id, status: x?.status ?? 100, statustext: STATUS_TEXT[x?.status ?? 100] };
        }));
      }
      return json(404, null);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    messages,
    setStatus(id, status) {
      const x = messages.find((mm) => mm.messageid === id);
      if (!x) throw new Error(`no message ${id}`);
      x.status = status;
    },
    dropAnswers(n) {
      dropAnswers = n;
    },
    failNext(action, ...codes) {
      for (const code of codes) failures.push({ action, code });
    },
    find: (action) => requests.filter((r) => r.action === action),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
