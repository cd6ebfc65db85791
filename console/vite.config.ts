/**
 * The console's build: plain TypeScript and CSS into console/dist, with relative asset URLs so
 * one build is served at `/console/` and at every `/t/{tenant}/console/`.
 */
import { defineConfig } from 'vite';

export default defineConfig({
  base: './',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    // The CSP forbids inline code; one entry chunk needs no preload helper either.
    modulePreload: false,
    assetsInlineLimit: 0,
  },
});
