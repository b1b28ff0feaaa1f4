import type { Queryable } from '../db/pool.js';
import { createArticle } from './articles.js';

/** A few help-center articles in English and Persian so the portal's search and suggestions have content. */
export async function seedKbArticles(db: Queryable, authorId: number): Promise<void> {
  const articles = [
    { title: 'How to reset your password', category: 'account', language: 'en', body: 'Open **Settings → Security** and choose *Reset password*. We email you a link that works for 15 minutes.\n\nNo mail? Check your spam folder.' },
    { title: 'Understanding your invoice', category: 'billing', language: 'en', body: 'Each invoice lists your plan, usage and taxes. A charge that appears twice is usually a pending authorisation that disappears within 3 days.' },
    { title: 'Internet outage: first steps', category: 'support', language: 'en', body: '1. Restart your router.\n2. Check the status page.\n3. Still down? Open a request with your router model.' },
    { title: 'بازنشانی رمز عبور', category: 'حساب کاربری', language: 'fa', body: 'به **تنظیمات ← امنیت** بروید و «بازنشانی رمز عبور» را انتخاب کنید. پیوندی به ایمیل شما فرستاده می‌شود که ۱۵ دقیقه اعتبار دارد.' },
    { title: 'قطعی اینترنت: نخستین گام‌ها', category: 'پشتیبانی', language: 'fa', body: '۱. مودم را خاموش و روشن کنید.\n۲. صفحهٔ وضعیت را ببینید.\n۳. اگر مشکل ماند، درخواستی با مدل مودم خود ثبت کنید.' },
  ];
  for (const a of articles) await createArticle(db, '', authorId, { ...a, published: true });
}
