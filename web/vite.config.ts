/**
 * Vite config for the web app. Root is web/, output web/dist (served by the local API server on the same
 * origin, and by CloudFront in the cloud). `LOOKBOOK_API=http://127.0.0.1:3000 npx vite web` proxies the API
 * in development so the app keeps using relative /v1 paths.
 */
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('.', import.meta.url));
const api = process.env.LOOKBOOK_API ?? 'http://127.0.0.1:3000';

export default defineConfig({
  root,
  base: '/',
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: true,
    target: 'es2022',
  },
  server: {
    proxy: {
      '/v1': { target: api, changeOrigin: true },
      '/health': { target: api, changeOrigin: true },
      '/ready': { target: api, changeOrigin: true },
    },
  },
});
