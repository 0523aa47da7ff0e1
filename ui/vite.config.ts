// The UI is served by `pipewright server` from ui/dist: relative asset paths, everything bundled (works offline).
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  base: './',
  plugins: [react()],
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: false, chunkSizeWarningLimit: 900 },
  // `npm run dev`: the API of a local `pipewright server` on its default port.
  server: { proxy: { '/apis': 'http://127.0.0.1:8888' } },
  test: { include: ['src/**/*.test.ts'] },
});
