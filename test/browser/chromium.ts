/**
 * Headless Chromium for the browser tests: Debian's /usr/bin/chromium driven by playwright-core (never a
 * downloaded browser), the page built into a per-file directory and served on 127.0.0.1 with the
 * strict CSP of scripts/serve-web.mjs.
 *
 * Without Chromium the browser test files skip, loudly: a banner on stderr and every test reported as
 * skipped. Set RISKGRID_REQUIRE_BROWSER=1 to make a missing browser a failure instead (CI that must
 * not lose the browser tests).
 */
import { existsSync, mkdirSync } from "node:fs";
import { resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { Browser, BrowserContext, ConsoleMessage, Page } from "playwright-core";

export const CHROMIUM = process.env.RISKGRID_CHROMIUM ?? "/usr/bin/chromium";
export const HAVE_CHROMIUM = existsSync(CHROMIUM);
export const ROOT = fileURLToPath(new URL("../..", import.meta.url));
export const RESULTS = resolve(ROOT, "test-results");

export const CHROMIUM_ARGS = [
  "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
  "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
];

/** Call at the top of every browser test file; returns whether to run. */
export function browserTestsEnabled(file: string): boolean {
  if (HAVE_CHROMIUM) return true;
  const msg = [
    "",
    "#".repeat(78),
    `#  BROWSER TESTS SKIPPED (${file}): no Chromium at ${CHROMIUM}.`,
    "#  These tests check the kernel and the web page in real headless Chromium.",
    "#  Install it with:  apt-get install -y chromium   (or set RISKGRID_CHROMIUM).",
    "#".repeat(78),
    "",
  ].join("\n");
  if (process.env.RISKGRID_REQUIRE_BROWSER === "1") throw new Error(msg);
  console.warn(msg);
  return false;
}

export async function launch(): Promise<Browser> {
  const { chromium } = await import("playwright-core");
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
}

export interface Served {
  url: string;
  dir: string;
  bundleBytes: number;
  bundleGzipBytes: number;
  close(): Promise<void>;
}

/**
 * Build the bundle and page into test-results/<name>/web and serve it. `csp: null` serves without
 * a CSP header; a string replaces the default policy.
 */
export async function buildAndServe(name: string, opts: { csp?: string | null } = {}): Promise<Served> {
  const script = (name: string) => pathToFileURL(resolve(ROOT, "scripts", name)).href;
  const { buildBrowser } = await import(/* @vite-ignore */ script("bundle-browser.mjs"));
  const dir = resolve(RESULTS, name);
  mkdirSync(dir, { recursive: true });
  const built = await buildBrowser({ outDir: resolve(dir, "browser"), webDir: resolve(dir, "web"), quiet: true });
  const server = await serveDir(resolve(dir, "web"), opts.csp);
  return { url: server.url, dir: resolve(dir, "web"), bundleBytes: built.bytes, bundleGzipBytes: built.gzipBytes, close: server.close };
}

/** Serve an already built page directory, with the default CSP, another policy, or (null) none. */
export async function serveDir(dir: string, csp?: string | null): Promise<{ url: string; close(): Promise<void> }> {
  const { serveWeb } = await import(/* @vite-ignore */ pathToFileURL(resolve(ROOT, "scripts", "serve-web.mjs")).href);
  return serveWeb({ root: dir, port: 0, quiet: true, csp });
}

/** The page's Content-Security-Policy (scripts/serve-web.mjs). */
export async function defaultCsp(): Promise<string> {
  return (await import(/* @vite-ignore */ pathToFileURL(resolve(ROOT, "scripts", "serve-web.mjs")).href)).CSP;
}

/** Collect page errors, console errors and CSP violations, so tests can assert there were none. */
export function watchPage(page: Page): { problems: string[] } {
  const problems: string[] = [];
  page.on("pageerror", (e) => problems.push(`pageerror: ${e.message}`));
  page.on("console", (m: ConsoleMessage) => {
    if (m.type() === "error") problems.push(`console.error: ${m.text()}`);
  });
  return { problems };
}

/** A context with a CSP-violation recorder installed before any page script runs. */
export async function newContext(browser: Browser): Promise<BrowserContext> {
  const ctx = await browser.newContext({ viewport: { width: 1440, height: 1000 } });
  await ctx.addInitScript(() => {
    const w = window as unknown as { __cspViolations: string[] };
    w.__cspViolations = [];
    document.addEventListener("securitypolicyviolation", (e) => {
      w.__cspViolations.push(`${e.violatedDirective}: ${e.blockedURI}`);
    });
  });
  return ctx;
}

export async function cspViolations(page: Page): Promise<string[]> {
  return page.evaluate(() => (window as unknown as { __cspViolations: string[] }).__cspViolations);
}
