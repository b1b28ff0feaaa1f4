import { defineConfig } from 'vite';
import vue from '@vitejs/plugin-vue';
import { fileURLToPath } from 'node:url';

const api = process.env.HUB_URL ?? 'http://localhost:3000';

// The customer portal, served by the hub at /portal.
export default defineConfig({
  root: fileURLToPath(new URL('./portal', import.meta.url)),
  base: '/portal/',
  plugins: [vue()],
  define: { __VUE_PROD_DEVTOOLS__: false, __INTLIFY_PROD_DEVTOOLS__: false },
  build: { outDir: fileURLToPath(new URL('../dist/portal', import.meta.url)), emptyOutDir: true },
  server: { port: 5174, proxy: { '/portal/api': api, '/portal/auth': api, '/api': api } },
});
