/**
 * The web page in real headless Chromium (Debian's chromium via playwright-core), served with the strict
 * Content-Security-Policy of scripts/serve-web.mjs ('wasm-unsafe-eval' the only allowance):
 * - the page loads the example book and renders margins, greeks and the heat map, with no page error
 *   and no CSP violation, and a screenshot is saved to test-results/;
 * - a pre-trade check typed into the UI gives the verdict the Node engine gives for the same order;
 * - the library bundle evaluates a fixed book in the page to the same Float64 bits as Node (simd and
 *   scalar), and to 1e-12 on js (whose host Math may differ in the last bit).
 * Without Chromium the file skips with a loud banner (test/browser/chromium.ts).
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import { browserTestsEnabled, buildAndServe, cspViolations, launch, newContext, RESULTS, type Served, watchPage } from "./browser/chromium.js";
import { initSync, whatIf } from "../src/index.js";

const RUN = browserTestsEnabled("browser-web.test.ts");
const BOOK_TEXT = readFileSync(new URL("../examples/book.json", import.meta.url), "utf8");

/** Every number of a report, depth first in key order. */
function numbers(x: unknown, out: number[] = []): number[] {
  if (typeof x === "number") out.push(x);
  else if (Array.isArray(x)) x.forEach((y) => numbers(y, out));
  else if (x && typeof x === "object") for (const k of Object.keys(x).sort()) numbers((x as Record<string, unknown>)[k], out);
  return out;
}
const bits = (xs: number[]) => Array.from(new BigUint64Array(Float64Array.from(xs).buffer), (b) => b.toString(16));

describe.skipIf(!RUN)("the web page and the bundle in Chromium", () => {
  let served: Served;
  let browser: Browser;
  let page: Page;
  let problems: string[];

  beforeAll(async () => {
    served = await buildAndServe("browser-web");
    browser = await launch();
    page = await (await newContext(browser)).newPage();
    problems = watchPage(page).problems;
    await page.goto(served.url);
    await page.waitForSelector("[data-testid=margins] tbody tr", { timeout: 30_000 });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await served?.close();
  });

  it("renders the example book: margins per model, greeks, heat map; no errors, no CSP violation; screenshot", async () => {
    const models = await page.$$eval("[data-testid=margins] tbody tr td:first-child", (tds) => tds.map((t) => t.textContent ?? ""));
    expect(models.join(" ")).toContain("isolated");
    expect(models.join(" ")).toContain("deribit-pm");
    expect(await page.$$eval("[data-testid=greeks] tbody tr", (r) => r.length)).toBeGreaterThan(0);
    expect(await page.$$eval("[data-testid=heatmap] rect, [data-testid=heatmap] td, [data-testid=heatmap] div", (c) => c.length)).toBeGreaterThan(10);
    expect(await page.textContent("[data-testid=backend]")).toMatch(/simd/);
    await page.screenshot({ path: resolve(RESULTS, "web-page.png"), fullPage: true });
    expect(problems).toEqual([]);
    expect(await cspViolations(page)).toEqual([]);
  });

  it("a pre-trade check through the UI gives the Node engine's verdict (accept a small order, reject a huge one)", async () => {
    const engine = initSync({ backend: "simd" });
    const account = await page.$eval("[data-testid=account]", (s) => (s as HTMLSelectElement).value);
    const cases = [
      { instrument: "BTC-PERPETUAL", side: "buy" as const, size: 10 },
      { instrument: "BTC-25SEP26-65000-P", side: "sell" as const, size: 5000 },
    ];
    const verdicts: string[] = [];
    for (const c of cases) {
      await page.fill("[data-testid=pt-instrument]", c.instrument);
      await page.selectOption("[data-testid=pt-side]", c.side);
      await page.fill("[data-testid=pt-size]", String(c.size));
      await page.click("[data-testid=pt-check]");
      await page.waitForFunction(() => {
        const el = document.querySelector("[data-testid=pt-result]") as HTMLElement | null;
        return !!el && (el.dataset.verdict === "accept" || el.dataset.verdict === "reject");
      });
      const got = await page.$eval("[data-testid=pt-result]", (el) => (el as HTMLElement).dataset.verdict);
      const node = whatIf(engine, BOOK_TEXT, account, [{ instrument: c.instrument, qty: c.side === "buy" ? c.size : -c.size }]);
      // The page's rule is the engine's first rule: accept when equity ≥ IM after the order (neither order only reduces).
      expect(node.reducesOnly).toBe(false);
      const expected = node.after.equity >= node.after.initial ? "accept" : "reject";
      expect(got, `${c.side} ${c.size} ${c.instrument}`).toBe(expected);
      verdicts.push(got!);
    }
    expect(verdicts).toEqual(["accept", "reject"]);
    await page.screenshot({ path: resolve(RESULTS, "web-pretrade.png"), fullPage: true });
  });

  it("a fixed book's report in Chromium has the same Float64 bits as in Node (simd, scalar); js to 1e-12", async () => {
    // A string, so the test runner does not rewrite the page's dynamic import.
    const got = (await page.evaluate(`(async () => {
      const m = await import("/riskgrid.js");
      const out = {};
      for (const backend of ["simd", "scalar", "js"]) out[backend] = (await m.init({ backend })).evaluate(${JSON.stringify(BOOK_TEXT)});
      return out;
    })()`)) as Record<string, unknown>;
    for (const backend of ["simd", "scalar", "js"] as const) {
      const node = numbers(initSync({ backend }).evaluate(BOOK_TEXT));
      const web = numbers(got[backend]);
      expect(web.length).toBe(node.length);
      expect(node.length).toBeGreaterThan(500);
      if (backend === "js") {
        web.forEach((x, i) => expect(Math.abs(x - node[i])).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(node[i]))));
      } else {
        expect(bits(web)).toEqual(bits(node));
      }
    }
  });
});
