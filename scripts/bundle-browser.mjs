// Builds the browser bundle and the web page (issue 8).
//
//   node scripts/bundle-browser.mjs            → dist/browser/riskgrid.js (+ .map) and dist/web/
//   import { buildBrowser } from "./bundle-browser.mjs"; await buildBrowser({ webDir: "…" })  (tests)
//
// dist/browser/riskgrid.js is one ES module: the library (src/index.ts) with the wasm kernels embedded
// as base64 (src/kernel/wasm-bytes.generated.ts), plus the page's small helpers (web/bundle-entry.ts).
// It is built with platform "browser", so any Node built-in reached from src/ fails the build, and the
// output is checked for Node-only globals. `target: es2022` keeps esbuild from emitting
// Uint8Array.fromBase64 (FIELD-NOTES 11).
//
// dist/web/ is the served directory: web/*.html|js|css, the bundle, and the example book
// (examples/book.json, else web/sample-book.json) as book.json, and the example price history
// (examples/data/prices-btc-eth-sol.csv) as prices.csv for the var preset.
import { build } from "esbuild";
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");

/** Strings that must not appear in the browser bundle (Node-only APIs, or syntax older browsers lack). */
const FORBIDDEN = [
  [/\brequire\(/, "require()"],
  [/["']node:[a-z_/]+["']/, "a node: import"],
  [/\bBuffer\.(from|alloc)/, "Buffer"],
  [/\bprocess\.(env|versions|platform|argv|cwd)/, "process"],
  [/fromBase64/, "Uint8Array.fromBase64 (set target es2022)"],
  [/\bimport\.meta\.url\b/, "import.meta.url (bundle must not fetch siblings)"],
];

/**
 * @param {{ outDir?: string, webDir?: string | null, minify?: boolean, book?: string, prices?: string, quiet?: boolean }} [opts]
 * @returns {Promise<{ bundle: string, webDir: string | null, bytes: number, gzipBytes: number, book: string | null }>}
 */
export async function buildBrowser(opts = {}) {
  const outDir = resolve(ROOT, opts.outDir ?? "dist/browser");
  const webDir = opts.webDir === null ? null : resolve(ROOT, opts.webDir ?? "dist/web");
  const bundle = join(outDir, "riskgrid.js");
  mkdirSync(outDir, { recursive: true });
  const result = await build({
    absWorkingDir: ROOT,
    entryPoints: ["web/bundle-entry.ts"],
    outfile: bundle,
    bundle: true,
    format: "esm",
    platform: "browser",
    target: "es2022",
    minify: opts.minify ?? true,
    sourcemap: "linked",
    metafile: true,
    legalComments: "none",
    // package.json says "sideEffects": false, which would let esbuild drop the preset modules' bare
    // imports (they register themselves): keep every module's side effects.
    ignoreAnnotations: true,
    logLevel: "warning",
    banner: { js: "// riskgrid browser bundle: ESM, wasm embedded; await init() on the main thread, initSync() in workers." },
  });
  const inputs = Object.keys(result.metafile.inputs);
  const builtins = inputs.filter((p) => p.startsWith("node:") || /(^|\/)node_modules\/@types\/node\//.test(p));
  if (builtins.length) throw new Error(`browser bundle pulls in Node built-ins: ${builtins.join(", ")}`);
  const text = readFileSync(bundle, "utf8");
  for (const [re, what] of FORBIDDEN) {
    const m = re.exec(text);
    if (m) throw new Error(`browser bundle contains ${what}: …${text.slice(Math.max(0, m.index - 60), m.index + 60)}…`);
  }
  const bytes = Buffer.byteLength(text);
  const gzipBytes = gzipSync(text, { level: 9 }).length;

  let book = null;
  if (webDir) {
    mkdirSync(webDir, { recursive: true });
    for (const name of readdirSync(join(ROOT, "web"))) {
      const src = join(ROOT, "web", name);
      if (statSync(src).isFile() && /\.(html|js|css|svg|ico)$/.test(name)) copyFileSync(src, join(webDir, name));
    }
    copyFileSync(bundle, join(webDir, "riskgrid.js"));
    copyFileSync(bundle + ".map", join(webDir, "riskgrid.js.map"));
    const candidates = [opts.book, "examples/book.json", "web/sample-book.json"].filter(Boolean);
    book = candidates.map((p) => resolve(ROOT, p)).find((p) => existsSync(p)) ?? null;
    if (book) copyFileSync(book, join(webDir, "book.json"));
    // Daily closes for the var preset's scenarios (the page calls setVarHistory with them).
    const prices = resolve(ROOT, opts.prices ?? "examples/data/prices-btc-eth-sol.csv");
    if (existsSync(prices)) copyFileSync(prices, join(webDir, "prices.csv"));
    writeFileSync(join(webDir, "build.json"), JSON.stringify({
      bundleBytes: bytes, bundleGzipBytes: gzipBytes, book: book && relative(ROOT, book), builtAt: new Date().toISOString(),
    }, null, 2) + "\n");
  }
  if (!opts.quiet) {
    const kb = (n) => `${(n / 1024).toFixed(1)} KiB`;
    console.log(`riskgrid browser bundle: ${relative(ROOT, bundle)} ${kb(bytes)} (${kb(gzipBytes)} gzip)`);
    if (webDir) console.log(`web page: ${relative(ROOT, webDir)}/ (book: ${book ? relative(ROOT, book) : "none"})`);
  }
  return { bundle, webDir, bytes, gzipBytes, book };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await buildBrowser();
}
