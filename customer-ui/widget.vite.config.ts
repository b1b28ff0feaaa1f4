import { defineConfig } from 'vite';
import { fileURLToPath } from 'node:url';

// The chat widget: one self-contained script (no framework, styles in a shadow root) served at /widget.js.
export default defineConfig({
  build: {
    outDir: fileURLToPath(new URL('../dist/widget', import.meta.url)),
    emptyOutDir: true,
    target: 'es2019',
    lib: {
      entry: fileURLToPath(new URL('./widget/main.ts', import.meta.url)),
      name: 'ContactHubWidget',
      formats: ['iife'],
      fileName: () => 'widget.js',
    },
  },
});
