// Strings of Admin → Automation rules and Admin → Webhooks, and of rule entries in a case's timeline.
const en = {
  auto: {
    rules: {
      intro: 'Rules run in order on case events. Each one whose conditions all hold does its actions; “stop” ends the list for that event. A rule never runs again on changes it made itself. What a rule did shows in the case’s timeline.',
      new: 'New rule', edit: 'Edit rule', enabled: 'On', disabled: 'Off', example: 'example', runs: 'ran on {n} case | ran on {n} cases', hoursShort: 'hours', up: 'Move up', down: 'Move down',
      name: 'Name', when: 'When', since: 'Counting from', hours: 'Hours', conditions: 'Only if (all of these; leave empty to skip)', actions: 'Then', addAction: 'Add action',
      stop: 'Stop: no later rule runs on the same event', any: 'any', words: 'Keywords (comma-separated; Persian spelling variants match)', in: 'Look in',
      inOpts: { subject: 'Subject', body: 'Message', both: 'Subject or message' },
      tiers: 'Customer tier', customerTags: 'Customer tags (any)', caseTags: 'Case tags (any)', types: 'Case type', priorities: 'Priority', statuses: 'Status', queues: 'Queue',
      hoursCond: 'Business hours', hoursOpts: { any: 'Any time', open: 'Within opening hours', closed: 'Outside opening hours' },
      texts: 'Text per language', notifyWho: 'Notify', agents: 'Agents', webhook: 'Webhook', placeholders: 'Placeholders: {p}',
      on: {
        case_created: 'A case is created', customer_replied: 'The customer writes', agent_replied: 'An agent replies', status_changed: 'The status changes',
        assigned: 'The case is assigned', sla_warning: 'An SLA warning', sla_breach: 'An SLA breach', reminder_due: 'A reminder is due', time: 'Hours have passed since…',
      },
      anchor: { created: 'the case was created', customer_reply: 'the customer last wrote', agent_reply: 'an agent last replied', status: 'the status last changed' },
      action: {
        set_priority: 'Set priority', set_type: 'Set type', add_tags: 'Add tags', remove_tags: 'Remove tags', set_queue: 'Move to queue', assign_agent: 'Assign to agent',
        set_status: 'Set status', add_note: 'Add an internal note', send_reply: 'Reply to the customer (their language)', notify: 'Notify', call_webhook: 'Call a webhook',
      },
      notifyTo: { assignee: 'The case’s agent', supervisors: 'Supervisors', agents: 'These agents' },
      priority: { low: 'Low', normal: 'Normal', high: 'High', urgent: 'Urgent' },
      status: { new: 'New', open: 'Open', pending: 'Pending', solved: 'Solved', closed: 'Closed' },
      type: { question: 'Question', incident: 'Incident', problem: 'Problem', request: 'Request', task: 'Task', complaint: 'Complaint', callback: 'Callback' },
      tier: { standard: 'Standard', vip: 'VIP' },
    },
    hooks: {
      intro: 'A webhook POSTs JSON to your URL when the events you pick happen. Each delivery is signed: verify X-ContactHub-Signature (HMAC-SHA256 of “timestamp.body” with the secret). Failed deliveries are retried with growing waits for 24 hours.',
      new: 'New webhook', url: 'URL', events: 'Events', enabled: 'On', secret: 'Signing secret — copy it now, it is not shown again:', rotate: 'New secret',
      test: 'Send test', deliveries: 'Deliveries', none: 'No deliveries yet.', event: 'Event', result: 'Result', attempts: 'Attempts', when: 'When', replay: 'Send again',
      status: { pending: 'Waiting', retrying: 'Retrying', succeeded: 'Delivered', failed: 'Failed' }, next: 'next try {when}', reload: 'Reload',
    },
    log: {
      title: 'Rule “{name}”',
      did: {
        set_priority: 'set priority {value}', set_type: 'set type {value}', add_tags: 'added tags {value}', remove_tags: 'removed tags {value}', set_queue: 'moved to queue {value}',
        assign_agent: 'assigned to {value}', set_status: 'set status {value}', add_note: 'added a note', send_reply: 'replied to the customer ({value})', notify: 'notified {value}',
        call_webhook: 'called webhook {value}',
      },
      failed: '{what} — could not: {error}',
    },
  },
};

const fa: typeof en = {
  auto: {
    rules: {
      intro: 'قاعده‌ها به ترتیب روی رویدادهای پرونده اجرا می‌شوند. هر قاعده‌ای که همهٔ شرط‌هایش برقرار باشد کارهایش را انجام می‌دهد؛ «توقف» فهرست را برای آن رویداد پایان می‌دهد. هیچ قاعده‌ای روی تغییراتی که خودش داده دوباره اجرا نمی‌شود. کار هر قاعده در تاریخچهٔ پرونده دیده می‌شود.',
      new: 'قاعدهٔ تازه', edit: 'ویرایش قاعده', enabled: 'روشن', disabled: 'خاموش', example: 'نمونه', runs: 'روی {n} پرونده اجرا شده', hoursShort: 'ساعت', up: 'بالاتر', down: 'پایین‌تر',
      name: 'نام', when: 'هنگامی که', since: 'شمارش از', hours: 'ساعت', conditions: 'تنها اگر (همهٔ این‌ها؛ خالی یعنی بی‌شرط)', actions: 'آنگاه', addAction: 'افزودن کار',
      stop: 'توقف: قاعدهٔ بعدی روی همین رویداد اجرا نشود', any: 'هر', words: 'کلیدواژه‌ها (با ویرگول جدا؛ گونه‌های نوشتاری فارسی هم‌خوان‌اند)', in: 'جستجو در',
      inOpts: { subject: 'موضوع', body: 'پیام', both: 'موضوع یا پیام' },
      tiers: 'ردهٔ مشتری', customerTags: 'برچسب‌های مشتری (هر کدام)', caseTags: 'برچسب‌های پرونده (هر کدام)', types: 'نوع پرونده', priorities: 'اولویت', statuses: 'وضعیت', queues: 'صف',
      hoursCond: 'ساعات کاری', hoursOpts: { any: 'هر زمان', open: 'در ساعات کاری', closed: 'بیرون از ساعات کاری' },
      texts: 'متن برای هر زبان', notifyWho: 'آگاه کردن', agents: 'کارشناسان', webhook: 'وب‌هوک', placeholders: 'جای‌گذارها: {p}',
      on: {
        case_created: 'پرونده‌ای ساخته شود', customer_replied: 'مشتری بنویسد', agent_replied: 'کارشناس پاسخ دهد', status_changed: 'وضعیت تغییر کند',
        assigned: 'پرونده واگذار شود', sla_warning: 'هشدار SLA', sla_breach: 'نقض SLA', reminder_due: 'زمان یادآوری برسد', time: 'چند ساعت گذشته باشد از…',
      },
      anchor: { created: 'ساخت پرونده', customer_reply: 'آخرین پیام مشتری', agent_reply: 'آخرین پاسخ کارشناس', status: 'آخرین تغییر وضعیت' },
      action: {
        set_priority: 'تعیین اولویت', set_type: 'تعیین نوع', add_tags: 'افزودن برچسب', remove_tags: 'برداشتن برچسب', set_queue: 'انتقال به صف', assign_agent: 'واگذاری به کارشناس',
        set_status: 'تعیین وضعیت', add_note: 'افزودن یادداشت داخلی', send_reply: 'پاسخ به مشتری (به زبان خودش)', notify: 'آگاه کردن', call_webhook: 'فراخوانی وب‌هوک',
      },
      notifyTo: { assignee: 'کارشناس پرونده', supervisors: 'سرپرستان', agents: 'این کارشناسان' },
      priority: { low: 'کم', normal: 'عادی', high: 'بالا', urgent: 'فوری' },
      status: { new: 'تازه', open: 'باز', pending: 'در انتظار', solved: 'حل‌شده', closed: 'بسته' },
      type: { question: 'پرسش', incident: 'رخداد', problem: 'مشکل', request: 'درخواست', task: 'کار', complaint: 'شکایت', callback: 'تماس برگشتی' },
      tier: { standard: 'عادی', vip: 'ویژه' },
    },
    hooks: {
      intro: 'وب‌هوک هنگام رخ دادن رویدادهای برگزیده، JSON را با POST به نشانی شما می‌فرستد. هر ارسال امضا دارد: سرآیند X-ContactHub-Signature را بررسی کنید (HMAC-SHA256 از «timestamp.body» با رمز). ارسال‌های ناموفق تا ۲۴ ساعت با فاصله‌های بلندشونده دوباره فرستاده می‌شوند.',
      new: 'وب‌هوک تازه', url: 'نشانی', events: 'رویدادها', enabled: 'روشن', secret: 'رمز امضا — همین حالا رونوشت کنید، دوباره نشان داده نمی‌شود:', rotate: 'رمز تازه',
      test: 'فرستادن آزمایشی', deliveries: 'ارسال‌ها', none: 'هنوز ارسالی نیست.', event: 'رویداد', result: 'نتیجه', attempts: 'تلاش‌ها', when: 'زمان', replay: 'فرستادن دوباره',
      status: { pending: 'در انتظار', retrying: 'تلاش دوباره', succeeded: 'رسید', failed: 'ناموفق' }, next: 'تلاش بعدی {when}', reload: 'بارگذاری دوباره',
    },
    log: {
      title: 'قاعدهٔ «{name}»',
      did: {
        set_priority: 'اولویت را {value} کرد', set_type: 'نوع را {value} کرد', add_tags: 'برچسب‌های {value} را افزود', remove_tags: 'برچسب‌های {value} را برداشت', set_queue: 'به صف {value} برد',
        assign_agent: 'به {value} واگذار کرد', set_status: 'وضعیت را {value} کرد', add_note: 'یادداشتی افزود', send_reply: 'به مشتری پاسخ داد ({value})', notify: '{value} را آگاه کرد',
        call_webhook: 'وب‌هوک {value} را فراخواند',
      },
      failed: '{what} — انجام نشد: {error}',
    },
  },
};

export const automationMessages = { en, fa };
