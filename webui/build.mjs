// Bundles each page's TypeScript with its dependencies and copies its static files into dist/,
// which the Maven build packs into the jars under webroot/.
import { build } from 'esbuild';
import { cp, mkdir, rm } from 'node:fs/promises';

const pages = ['dashboard', 'peer'];

await rm('dist', { recursive: true, force: true });
for (const page of pages) {
  await mkdir(`dist/${page}`, { recursive: true });
  await build({
    entryPoints: [`src/${page}/main.ts`],
    bundle: true,
    minify: true,
    sourcemap: true,
    target: ['es2020'],
    outfile: `dist/${page}/app.js`,
    // sockjs-client reaches for Node's `global`; the browser's is `globalThis`.
    define: { global: 'globalThis' },
    loader: { '.css': 'css' },
  });
  await cp(`src/${page}/index.html`, `dist/${page}/index.html`);
}
