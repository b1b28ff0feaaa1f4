// Embeddable chat widget: <script src="https://hub.example/widget.js" data-lang="fa" data-prechat="optional" async></script>
// This file wires the parts: settings and state (widget.ts), the elements (shell.ts), the log (messages.ts), the
// views (views.ts), the session with the hub (session.ts) and the composer (composer.ts).
import { hubApi } from './api.js';
import { buildShell } from './shell.js';
import { markRead, renderMessages, renderStatus, upsert } from './messages.js';
import { show } from './views.js';
import { connect, ensureVisitor, openFirstTime, pollQueue, startVisitor } from './session.js';
import { wireComposer } from './composer.js';
import { initialState, readConfig, type Widget } from './widget.js';

function boot(script: HTMLScriptElement | null) {
  const cfg = readConfig(script);
  const s = initialState(cfg);
  const w: Widget = {
    cfg,
    s,
    ui: buildShell(cfg),
    api: hubApi(cfg.hub, () => s.token),
    show: (v) => show(w, v),
    renderMessages: () => renderMessages(w),
    renderStatus: () => renderStatus(w),
    upsert: (m) => upsert(w, m),
    connect: () => connect(w),
    pollQueue: () => pollQueue(w),
    startVisitor: (o) => startVisitor(w, o),
    ensureVisitor: () => ensureVisitor(w),
  };
  wireComposer(w);

  const { launcher, panel, closeBtn, endBtn } = w.ui;
  async function toggle() {
    panel.hidden = !panel.hidden;
    launcher.setAttribute('aria-expanded', String(!panel.hidden));
    if (panel.hidden || s.loaded) return void markRead(w);
    await openFirstTime(w);
  }
  launcher.addEventListener('click', () => void toggle());
  closeBtn.addEventListener('click', () => void toggle());
  endBtn.addEventListener('click', () => w.show('end-confirm'));
}

const current = document.currentScript as HTMLScriptElement | null;
if (document.body) boot(current);
else document.addEventListener('DOMContentLoaded', () => boot(current));
