// Strings of the admin console and "My profile", merged into the workspace catalogue.
const en = {
  adm: {
    nav: 'Admin',
    title: 'Administration',
    tabs: { agents: 'Agents', queues: 'Queues', mailboxes: 'Mailboxes', phoneNumbers: 'Phone numbers', hours: 'Business hours', apiKeys: 'API keys', canned: 'Canned responses', kb: 'Knowledge base', settings: 'Settings', audit: 'Audit log', outbox: 'Sent mail/SMS', sla: 'SLA policies' },
    c: {
      save: 'Save', saved: 'Saved.', cancel: 'Cancel', add: 'Add', edit: 'Edit', delete: 'Delete', remove: 'Remove', confirmDelete: 'Delete {name}?',
      name: 'Name', email: 'Email', language: 'Language', queue: 'Queue', none: '— none —', active: 'Active', inactive: 'Inactive',
      copy: 'Copy', copied: 'Copied', channels: 'Channels', skills: 'Skills', skillsHint: 'comma-separated, e.g. fa, billing', timeZone: 'Time zone',
      status: 'Status', empty: 'Nothing here yet.', close: 'Close', seconds: 'seconds', new: 'New', en: 'English', fa: 'Persian',
    },
    ch: { voice: 'Voice', chat: 'Chat', sms: 'SMS', email: 'Email', portal: 'Portal', api: 'API' },
    agents: {
      new: 'New agent', invite: 'Create and send invitation', inviteHint: 'The person gets an email with a one-time link to choose a password. Nobody else sees it.',
      role: 'Role', roles: { agent: 'Agent', supervisor: 'Supervisor', admin: 'Admin' }, capacity: 'Cases at once per channel', queues: 'Queues',
      phone: 'Phone for calls', phoneHint: 'E.164, e.g. +989121234567', deactivate: 'Deactivate', activate: 'Reactivate',
      resetPassword: 'Send password-reset link', resetSent: 'A link to choose a new password was sent to {email}.', inviteSent: 'Invitation sent to {email}.',
      supervisorNote: 'Supervisors change skills, capacity, queues, language and phone; roles, activation and passwords are for admins.',
    },
    queues: {
      new: 'New queue', description: 'Description', requiredSkills: 'Required skills', members: 'Members', isDefault: 'Default queue (cases no other queue takes)',
      priority: 'Priority per channel (lower is sooner; empty: default)', distribution: 'Distribution', dist: { auto: 'Default (chat: least loaded, others: longest idle)', longest_idle: 'Longest idle', least_loaded: 'Least loaded' },
      overflow: 'Overflow queue', escalation: 'Escalation steps', afterSeconds: 'After (s)', priorityDelta: 'Priority change', addStep: 'Add step',
      sla: 'Service-level threshold per channel (seconds)', maxWait: 'Max wait (s) before voicemail / overflow', lead: 'Team lead (SLA escalation)',
    },
    mail: {
      new: 'New mailbox', address: 'Address', displayName: 'Sender name', auth: 'Sign-in', password: 'Password', oauth: 'Microsoft 365 (OAuth)',
      tenant: 'Tenant id', clientId: 'Client id', clientSecret: 'Client secret', imap: 'Incoming (IMAP)', smtp: 'Outgoing (SMTP)', host: 'Host', port: 'Port',
      tls: 'TLS', user: 'User', secretKept: 'stored — leave empty to keep', folder: 'Folder', security: 'Security', autoAck: 'Automatic acknowledgement',
      subject: 'Subject', text: 'Text', test: 'Test connection', testing: 'Testing…', imapOk: 'IMAP: signed in ({n} messages in the folder)', smtpOk: 'SMTP: accepted the sign-in',
      failed: '{what}: {error}', lastSync: 'Last sync', lastError: 'Last error', never: 'never', signature: 'Signature under agents’ replies (in the case’s language)',
    },
    phone: {
      new: 'New number', number: 'Number (E.164)', friendlyName: 'Label', voice: 'Calls', sms: 'Text messages', defaultLanguage: 'Language callers hear first',
      greeting: 'Greeting', afterHours: 'After-hours message', voicemail: 'Voicemail when nobody answers in time or after hours', menu: 'Menu (press a digit)',
      digit: 'Digit', label: 'Label', addOption: 'Add option', noMenu: 'No menu: calls go straight to the queue', webhooks: 'Paste these into the number’s settings in the Twilio console',
      voiceUrl: 'A call comes in (POST)', smsUrl: 'A message comes in (POST)', statusUrl: 'Call status changes (POST)', maxWaitHint: 'The longest a caller waits before voicemail is the queue’s “Max wait”.',
    },
    hours: {
      scope: 'Applies to', organisation: 'The whole organisation', ownHours: 'This queue has its own hours', weekly: 'Weekly schedule', addShift: 'Add shift', closed: 'Closed',
      holidays: 'Holidays', addHoliday: 'Add holiday', date: 'Date', presets: 'Presets', satWed: 'Sat–Wed 08:00–16:00', satThu: 'Sat–Wed 08:00–16:00, Thu 08:00–13:00',
      to: 'Until (for a range)', yearly: 'Every year', persianCal: 'by the Persian calendar', nextDay: 'ends the next day', persianDate: 'Date (Persian calendar, e.g. 1406/01/01)',
      removeOwn: 'Use the organisation’s hours', days: { sat: 'Saturday', sun: 'Sunday', mon: 'Monday', tue: 'Tuesday', wed: 'Wednesday', thu: 'Thursday', fri: 'Friday' },
    },
    sla: {
      intro: 'The first enabled policy, from the top, whose conditions all match a case sets its targets. Cases no policy matches get the built-in targets.',
      new: 'New policy', position: 'Order', enabled: 'Enabled', conditions: 'Applies to (empty: every case)', queues: 'Queues', priorities: 'Priorities', tiers: 'Customer tiers', types: 'Case types',
      targets: 'Targets (minutes)', firstResponse: 'First response', nextResponse: 'Next response', resolution: 'Resolution', businessTime: 'Count business hours only (the queue’s, else the organisation’s)',
      warnPercent: 'Warn at (% of the target)', escalation: 'On breach', raisePriority: 'Raise the priority one step', toQueue: 'Move to queue', toTeamLead: 'Give to the queue’s team lead',
      notifySupervisors: 'Tell supervisors', any: 'any', minutes: '{n} min', calendar: 'calendar time', business: 'business hours',
      tier: { standard: 'Standard', vip: 'VIP' }, priority: { low: 'Low', normal: 'Normal', high: 'High', urgent: 'Urgent' },
      type: { question: 'Question', incident: 'Incident', problem: 'Problem', request: 'Request', task: 'Task', complaint: 'Complaint', callback: 'Callback' },
    },
    keys: { new: 'New API key', create: 'Create key', showOnce: 'Copy this key now — it is not shown again:', revoke: 'Revoke', revoked: 'Revoked {when}', createdBy: 'Created by {who}, {when}', inboundHint: 'Integrations send cases to POST /api/v1/inbound with the header x-api-key.' },
    canned: { new: 'New canned response', shortcut: 'Shortcut (typed after /)', title: 'Title', body: 'Text', shared: 'Shared with everyone', personal: 'Personal', placeholders: "Placeholders: {'{'}{'{'}customer.name{'}'}{'}'}, {'{'}{'{'}case.ref{'}'}{'}'}, {'{'}{'{'}agent.name{'}'}{'}'}" },
    kb: { new: 'New article', title: 'Title', category: 'Category', body: 'Body (Markdown)', preview: 'Preview', publish: 'Publish', unpublish: 'Unpublish', published: 'Published', draft: 'Draft', all: 'All languages' },
    settings: {
      org: 'Organisation', orgName: 'Organisation name', defaultLanguage: 'Default language', widget: 'Chat widget', widgetLanguage: 'Widget language',
      prechat: 'Ask for name and email first', prechatOpts: { optional: 'Optional', required: 'Required', off: 'Off' }, widgetTitle: 'Title', colour: 'Colour',
      snippet: 'Paste this on your site, before </body>:', branding: 'Portal branding', brandName: 'Name shown on the portal', logoUrl: 'Logo URL',
    },
    outbox: {
      intro: 'Demo mode: email and SMS replies that no SMTP server or Twilio account could send are kept here instead of being sent. Configure a mailbox with SMTP (or SMTP_URL) and Twilio to send them for real.',
      off: 'The demo outbox is off (DEMO_OUTBOX): replies are sent through the configured mailboxes and Twilio. Earlier demo messages stay listed.',
      empty: 'Nothing here yet: reply to an email or SMS case and the message appears here.',
      to: 'To', when: 'When', caseRef: 'Case', message: 'Message', more: 'Older messages', reload: 'Reload',
    },
    audit: { who: 'Who', when: 'When', what: 'What', change: 'Before → after', entity: 'Kind', actor: 'Person', action: 'Action contains', since: 'From', until: 'To', more: 'Older entries', all: 'All', system: 'system' },
  },
  profile: {
    nav: 'My profile', title: 'My profile', phone: 'Phone for calls', phoneHint: 'Calls you place from a case ring this phone first (E.164, e.g. +989121234567). Empty: call from the browser.',
    notifications: 'Notifications', offerSound: 'Play a sound when a case is offered',
    changePassword: 'Change password…',
  },
};

const fa: typeof en = {
  adm: {
    nav: 'مدیریت',
    title: 'مدیریت سامانه',
    tabs: { agents: 'کارشناسان', queues: 'صف‌ها', mailboxes: 'صندوق‌های ایمیل', phoneNumbers: 'شماره‌های تلفن', hours: 'ساعات کاری', apiKeys: 'کلیدهای API', canned: 'پاسخ‌های آماده', kb: 'پایگاه دانش', settings: 'تنظیمات', audit: 'گزارش تغییرات', outbox: 'ایمیل و پیامک‌های فرستاده', sla: 'سیاست‌های SLA' },
    c: {
      save: 'ذخیره', saved: 'ذخیره شد.', cancel: 'انصراف', add: 'افزودن', edit: 'ویرایش', delete: 'حذف', remove: 'برداشتن', confirmDelete: '{name} حذف شود؟',
      name: 'نام', email: 'ایمیل', language: 'زبان', queue: 'صف', none: '— هیچ —', active: 'فعال', inactive: 'غیرفعال',
      copy: 'رونوشت', copied: 'رونوشت شد', channels: 'کانال‌ها', skills: 'مهارت‌ها', skillsHint: 'با ویرگول جدا کنید، مثلاً fa, billing', timeZone: 'منطقهٔ زمانی',
      status: 'وضعیت', empty: 'هنوز چیزی نیست.', close: 'بستن', seconds: 'ثانیه', new: 'تازه', en: 'انگلیسی', fa: 'فارسی',
    },
    ch: { voice: 'تماس', chat: 'گفتگو', sms: 'پیامک', email: 'ایمیل', portal: 'پرتال', api: 'API' },
    agents: {
      new: 'کارشناس تازه', invite: 'ساختن و فرستادن دعوت‌نامه', inviteHint: 'فرد ایمیلی با پیوندی یک‌بارمصرف برای انتخاب رمز عبور می‌گیرد. هیچ‌کس دیگری آن را نمی‌بیند.',
      role: 'نقش', roles: { agent: 'کارشناس', supervisor: 'سرپرست', admin: 'مدیر' }, capacity: 'پرونده‌های هم‌زمان در هر کانال', queues: 'صف‌ها',
      phone: 'تلفن برای تماس‌ها', phoneHint: 'به قالب E.164، مثلاً ‎+989121234567', deactivate: 'غیرفعال کردن', activate: 'فعال کردن دوباره',
      resetPassword: 'فرستادن پیوند بازنشانی رمز', resetSent: 'پیوند انتخاب رمز تازه به {email} فرستاده شد.', inviteSent: 'دعوت‌نامه به {email} فرستاده شد.',
      supervisorNote: 'سرپرستان مهارت، ظرفیت، صف، زبان و تلفن را تغییر می‌دهند؛ نقش، فعال‌سازی و رمز عبور با مدیران است.',
    },
    queues: {
      new: 'صف تازه', description: 'توضیح', requiredSkills: 'مهارت‌های لازم', members: 'اعضا', isDefault: 'صف پیش‌فرض (پرونده‌هایی که صف دیگری نمی‌گیرد)',
      priority: 'اولویت هر کانال (کمتر یعنی زودتر؛ خالی: پیش‌فرض)', distribution: 'روش تقسیم', dist: { auto: 'پیش‌فرض (گفتگو: کم‌بارترین، بقیه: بیکارترین)', longest_idle: 'بیشترین زمان بیکاری', least_loaded: 'کمترین بار' },
      overflow: 'صف سرریز', escalation: 'گام‌های ارجاع', afterSeconds: 'پس از (ثانیه)', priorityDelta: 'تغییر اولویت', addStep: 'افزودن گام',
      sla: 'آستانهٔ سطح خدمت هر کانال (ثانیه)', maxWait: 'بیشترین انتظار (ثانیه) پیش از پیام صوتی / سرریز', lead: 'سرپرست صف (ارجاع نقض SLA)',
    },
    mail: {
      new: 'صندوق تازه', address: 'نشانی', displayName: 'نام فرستنده', auth: 'ورود', password: 'رمز عبور', oauth: 'Microsoft 365 (OAuth)',
      tenant: 'شناسهٔ Tenant', clientId: 'شناسهٔ Client', clientSecret: 'رمز Client', imap: 'دریافت (IMAP)', smtp: 'ارسال (SMTP)', host: 'میزبان', port: 'درگاه',
      tls: 'TLS', user: 'کاربر', secretKept: 'ذخیره شده — برای نگه‌داشتن خالی بگذارید', folder: 'پوشه', security: 'امنیت', autoAck: 'پاسخ خودکار دریافت',
      subject: 'موضوع', text: 'متن', test: 'آزمودن اتصال', testing: 'در حال آزمودن…', imapOk: 'IMAP: ورود موفق ({n} پیام در پوشه)', smtpOk: 'SMTP: ورود پذیرفته شد',
      failed: '{what}: {error}', lastSync: 'آخرین همگام‌سازی', lastError: 'آخرین خطا', never: 'هرگز', signature: 'امضای زیر پاسخ کارشناسان (به زبان پرونده)',
    },
    phone: {
      new: 'شمارهٔ تازه', number: 'شماره (E.164)', friendlyName: 'برچسب', voice: 'تماس‌ها', sms: 'پیامک‌ها', defaultLanguage: 'زبانی که تماس‌گیرنده نخست می‌شنود',
      greeting: 'خوشامد', afterHours: 'پیام بیرون از ساعات کاری', voicemail: 'پیام صوتی وقتی کسی به‌موقع پاسخ ندهد یا بیرون از ساعات کاری', menu: 'منو (فشردن یک رقم)',
      digit: 'رقم', label: 'برچسب', addOption: 'افزودن گزینه', noMenu: 'بی‌منو: تماس‌ها مستقیم به صف می‌روند', webhooks: 'این‌ها را در تنظیمات شماره در کنسول Twilio بچسبانید',
      voiceUrl: 'تماس ورودی (POST)', smsUrl: 'پیام ورودی (POST)', statusUrl: 'تغییر وضعیت تماس (POST)', maxWaitHint: 'بیشترین انتظار پیش از پیام صوتی همان «بیشترین انتظار» صف است.',
    },
    hours: {
      scope: 'برای', organisation: 'کل سازمان', ownHours: 'این صف ساعات خودش را دارد', weekly: 'برنامهٔ هفتگی', addShift: 'افزودن نوبت', closed: 'تعطیل',
      holidays: 'تعطیلات', addHoliday: 'افزودن تعطیلی', date: 'تاریخ', presets: 'الگوها', satWed: 'شنبه تا چهارشنبه ۸ تا ۱۶', satThu: 'شنبه تا چهارشنبه ۸ تا ۱۶، پنجشنبه ۸ تا ۱۳',
      to: 'تا (برای یک بازه)', yearly: 'هر سال', persianCal: 'بر پایهٔ گاه‌شمار خورشیدی', nextDay: 'تا روز بعد', persianDate: 'تاریخ (خورشیدی، مثلاً ۱۴۰۶/۰۱/۰۱)',
      removeOwn: 'به‌کارگیری ساعات سازمان', days: { sat: 'شنبه', sun: 'یکشنبه', mon: 'دوشنبه', tue: 'سه‌شنبه', wed: 'چهارشنبه', thu: 'پنجشنبه', fri: 'جمعه' },
    },
    sla: {
      intro: 'نخستین سیاست فعال از بالا که همهٔ شرط‌هایش با پرونده جور باشد، اهداف آن را تعیین می‌کند. پرونده‌هایی که با هیچ سیاستی جور نیستند اهداف پیش‌فرض را می‌گیرند.',
      new: 'سیاست تازه', position: 'ترتیب', enabled: 'فعال', conditions: 'برای (خالی: همهٔ پرونده‌ها)', queues: 'صف‌ها', priorities: 'اولویت‌ها', tiers: 'ردهٔ مشتری', types: 'نوع پرونده',
      targets: 'اهداف (دقیقه)', firstResponse: 'نخستین پاسخ', nextResponse: 'پاسخ بعدی', resolution: 'حل پرونده', businessTime: 'فقط ساعات کاری شمرده شود (ساعات صف، وگرنه ساعات سازمان)',
      warnPercent: 'هشدار در (درصد هدف)', escalation: 'هنگام نقض', raisePriority: 'یک پله بالا بردن اولویت', toQueue: 'انتقال به صف', toTeamLead: 'سپردن به سرپرست صف',
      notifySupervisors: 'آگاه کردن سرپرستان', any: 'همه', minutes: '{n} دقیقه', calendar: 'زمان تقویمی', business: 'ساعات کاری',
      tier: { standard: 'عادی', vip: 'ویژه' }, priority: { low: 'کم', normal: 'عادی', high: 'زیاد', urgent: 'فوری' },
      type: { question: 'پرسش', incident: 'رخداد', problem: 'مشکل', request: 'درخواست', task: 'کار', complaint: 'شکایت', callback: 'تماس برگشتی' },
    },
    keys: { new: 'کلید API تازه', create: 'ساختن کلید', showOnce: 'این کلید را همین حالا رونوشت کنید — دوباره نشان داده نمی‌شود:', revoke: 'باطل کردن', revoked: 'باطل شده {when}', createdBy: 'ساخته‌شده به دست {who}، {when}', inboundHint: 'سامانه‌های دیگر پرونده را با سرآیند x-api-key به POST /api/v1/inbound می‌فرستند.' },
    canned: { new: 'پاسخ آمادهٔ تازه', shortcut: 'میان‌بر (پس از /)', title: 'عنوان', body: 'متن', shared: 'مشترک برای همه', personal: 'شخصی', placeholders: "جای‌گذارها: {'{'}{'{'}customer.name{'}'}{'}'}، {'{'}{'{'}case.ref{'}'}{'}'}، {'{'}{'{'}agent.name{'}'}{'}'}" },
    kb: { new: 'مقالهٔ تازه', title: 'عنوان', category: 'دسته', body: 'متن (Markdown)', preview: 'پیش‌نمایش', publish: 'انتشار', unpublish: 'لغو انتشار', published: 'منتشرشده', draft: 'پیش‌نویس', all: 'همهٔ زبان‌ها' },
    settings: {
      org: 'سازمان', orgName: 'نام سازمان', defaultLanguage: 'زبان پیش‌فرض', widget: 'ابزارک گفتگو', widgetLanguage: 'زبان ابزارک',
      prechat: 'پرسیدن نام و ایمیل پیش از گفتگو', prechatOpts: { optional: 'اختیاری', required: 'الزامی', off: 'خاموش' }, widgetTitle: 'عنوان', colour: 'رنگ',
      snippet: 'این را پیش از ‎</body>‎ در وب‌سایت خود بگذارید:', branding: 'نشان پرتال', brandName: 'نام نمایش‌داده در پرتال', logoUrl: 'نشانی لوگو',
    },
    outbox: {
      intro: 'حالت نمایشی: پاسخ‌های ایمیلی و پیامکی که هیچ سرور SMTP یا حساب Twilio نمی‌توانست بفرستد، به جای فرستادن اینجا نگه داشته می‌شوند. برای فرستادن واقعی، یک صندوق ایمیل با SMTP (یا SMTP_URL) و Twilio را پیکربندی کنید.',
      off: 'صندوق خروجی نمایشی خاموش است (DEMO_OUTBOX): پاسخ‌ها از صندوق‌های ایمیل و Twilio پیکربندی‌شده فرستاده می‌شوند. پیام‌های نمایشی پیشین همچنان اینجا هستند.',
      empty: 'هنوز چیزی نیست: به یک پرونده ایمیلی یا پیامکی پاسخ دهید تا پیام اینجا دیده شود.',
      to: 'گیرنده', when: 'زمان', caseRef: 'پرونده', message: 'پیام', more: 'پیام‌های قدیمی‌تر', reload: 'بارگذاری دوباره',
    },
    audit: { who: 'چه کسی', when: 'کی', what: 'چه', change: 'پیش ← پس', entity: 'نوع', actor: 'شخص', action: 'کنش شامل', since: 'از', until: 'تا', more: 'موارد قدیمی‌تر', all: 'همه', system: 'سامانه' },
  },
  profile: {
    nav: 'نمایهٔ من', title: 'نمایهٔ من', phone: 'تلفن برای تماس‌ها', phoneHint: 'تماس‌هایی که از پرونده می‌گیرید نخست این تلفن را زنگ می‌زنند (E.164، مثلاً ‎+989121234567). خالی: تماس از مرورگر.',
    notifications: 'آگاه‌سازی‌ها', offerSound: 'هنگام پیشنهاد پرونده صدا پخش شود',
    changePassword: 'تغییر رمز عبور…',
  },
};

export const adminMessages = { en, fa };
