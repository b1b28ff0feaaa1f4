import { createApp, type Directive } from 'vue';
import { createPinia } from 'pinia';
import App from './App.vue';
import { router } from './router';
import { i18n, applyLocale } from './i18n';
import './styles/main.css';

const focus: Directive<HTMLElement> = { mounted: (el) => el.focus() };

applyLocale(i18n.global.locale.value as 'en' | 'fa');
createApp(App).use(createPinia()).use(router).use(i18n).directive('focus', focus).mount('#app');
