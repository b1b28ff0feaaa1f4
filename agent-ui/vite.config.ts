import { defineConfig } from 'vite';
import vue from '@vitejs/plugin-vue';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('.', import.meta.url));
const api = process.env.HUB_URL ?? 'http://localhost:3000';

export default defineConfig({
  root,
  plugins: [vue()],
  define: {
    // vue-i18n feature flags: composition API only, no devtools in production bundles
    __VUE_I18N_FULL_INSTALL__: true,
    __VUE_I18N_LEGACY_API__: false,
    __INTLIFY_PROD_DEVTOOLS__: false,
  },
  build: { outDir: fileURLToPath(new URL('../dist/agent-ui', import.meta.url)), emptyOutDir: true },
  server: {
    port: 5173,
    // the dev server forwards API, webhooks and websockets to a running hub
    proxy: {
      '/api': api,
      '/webhooks': api,
      '/socket.io': { target: api, ws: true },
      '/docs': api,
    },
  },
});
