import { createApp } from 'vue';
import { createRouter, createWebHistory } from 'vue-router';
import App from './App.vue';
import { i18n, applyLocale, chosenLocale, setTimeZone } from './i18n.js';
import { logFailure } from '../../ui-shared/report';
import { branding } from './branding.js';
import { portalApi } from './api.js';
import SignIn from './views/SignIn.vue';
import Requests from './views/Requests.vue';
import NewRequest from './views/NewRequest.vue';
import RequestDetail from './views/RequestDetail.vue';
import KbList from './views/KbList.vue';
import KbArticle from './views/KbArticle.vue';

const router = createRouter({
  history: createWebHistory('/portal/'),
  routes: [
    { path: '/', redirect: '/requests' },
    { path: '/signin', component: SignIn, meta: { public: true } },
    { path: '/requests', component: Requests },
    { path: '/requests/new', component: NewRequest },
    { path: '/requests/:number(\\d+)', component: RequestDetail, props: (r) => ({ number: Number(r.params.number) }) },
    { path: '/kb', component: KbList, meta: { public: true } },
    { path: '/kb/:slug', component: KbArticle, props: true, meta: { public: true } },
  ],
});

router.beforeEach(async (to) => {
  if (to.meta.public) return true;
  try {
    await portalApi.me();
    return true;
  } catch {
    return { path: '/signin', query: { next: to.fullPath } };
  }
});

// The organisation's settings (Admin → Settings): its language is the default until the visitor picks one,
// dates show in its time zone, and the portal wears its name, colour and logo.
async function start() {
  const org = await portalApi.organisation().catch((err) => {
    logFailure('loading the portal settings')(err);
    return null;
  });
  if (org) {
    setTimeZone(org.timeZone);
    Object.assign(branding, { name: org.name, colour: org.colour, logoUrl: org.logoUrl });
  }
  const chosen = chosenLocale();
  applyLocale(chosen ?? org?.language ?? (i18n.global.locale.value as 'en' | 'fa'), chosen !== null);
  createApp(App).use(i18n).use(router).mount('#app');
}
void start();
