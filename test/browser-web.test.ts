/**
 * The web page in real headless Chromium (Debian's chromium via playwright-core), served with the strict
 * Content-Security-Policy of scripts/serve-web.mjs ('wasm-unsafe-eval' the only allowance):
 * - the page loads the example book and renders margins, greeks and the heat map, with no page error
 *   and no CSP violation, and a screenshot is saved to test-results/;
 * - a pre-trade check typed into the UI gives the verdict the Node engine gives for the same order;
 * - editing a position re-evaluates on every keystroke, to the Node engine's bits, with the time in µs;
 * - the library bundle evaluates a fixed book under every preset in the page to the same Float64 bits
 *   as Node (simd and scalar), and to 1e-12 on js (whose host Math may differ in the last bit).
 * Without Chromium the file skips with a loud banner (test/browser/chromium.ts).
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import { browserTestsEnabled, buildAndServe, cspViolations, launch, newContext, RESULTS, type Served, watchPage } from "./browser/chromium.js";
import { initSync, parsePriceCsv, presetNames, setVarHistory, whatIf } from "../src/index.js";
import { bitLines, numbersWithPaths, shape } from "./browser/compare.js";

const RUN = browserTestsEnabled("browser-web.test.ts");
const BOOK_TEXT = readFileSync(new URL("../examples/book.json", import.meta.url), "utf8");
/** The example book with rates and carry instead of quoted forwards: forwards e^{(r−q)T}, discounts e^{−rT}. */
const RATES_BOOK_TEXT = (() => {
  const b = JSON.parse(BOOK_TEXT);
  Object.assign(b.markets.BTC, { rate: 0.0431, carry: -0.0123 });
  Object.assign(b.markets.ETH, { rate: 0.0377, carry: 0.011 });
  delete b.markets.BTC.forwards;
  delete b.markets.ETH.forwards;
  return JSON.stringify(b);
})();
const PRICES_TEXT = readFileSync(new URL("../examples/data/prices-btc-eth-sol.csv", import.meta.url), "utf8");

describe.skipIf(!RUN)("the web page and the bundle in Chromium", () => {
  let served: Served;
  let browser: Browser;
  let page: Page;
  let problems: string[];

  beforeAll(async () => {
    // The page loads the same history (prices.csv) for the var preset.
    setVarHistory(parsePriceCsv(PRICES_TEXT, { source: "prices.csv" }));
    served = await buildAndServe("browser-web");
    browser = await launch();
    page = await (await newContext(browser)).newPage();
    problems = watchPage(page).problems;
    await page.goto(served.url);
    await page.waitForSelector("[data-testid=margins] tbody tr", { timeout: 30_000 });
  }, 120_000);

  afterAll(async () => {
    setVarHistory(null);
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
      const seq = Number(await page.getAttribute("[data-testid=pt-result]", "data-seq") ?? 0);
      await page.click("[data-testid=pt-check]");
      await page.waitForFunction((n) => {
        const el = document.querySelector("[data-testid=pt-result]") as HTMLElement | null;
        return !!el && Number(el.dataset.seq) > n && (el.dataset.verdict === "accept" || el.dataset.verdict === "reject");
      }, seq);
      const got = await page.$eval("[data-testid=pt-result]", (el) => (el as HTMLElement).dataset.verdict);
      const node = whatIf(engine, BOOK_TEXT, account, [{ instrument: c.instrument, qty: c.side === "buy" ? c.size : -c.size }]);
      // The page's rule is the engine's first rule: accept when equity ≥ IM after the order (neither order only reduces).
      expect(node.reducesOnly).toBe(false);
      const expected = node.after.equity >= node.after.initial ? "accept" : "reject";
      expect(got, `${c.side} ${c.size} ${c.instrument}`).toBe(expected);
      // Same model as the engine's what-if, which is the one the page's summary calls primary.
      expect(await page.getAttribute("[data-testid=pt-result]", "data-model")).toBe(node.model);
      expect(await page.getAttribute("[data-testid=summary]", "data-primary")).toBe(node.model);
      expect(Number(await page.getAttribute("[data-testid=pt-result]", "data-im-after"))).toBe(node.after.initial);
      expect(Number(await page.getAttribute("[data-testid=pt-result]", "data-equity-after"))).toBe(node.after.equity);
      verdicts.push(got!);
    }
    expect(verdicts).toEqual(["accept", "reject"]);
    await page.screenshot({ path: resolve(RESULTS, "web-pretrade.png"), fullPage: true });
  });

  it("editing a position re-evaluates as you type, to the Node engine's bits; evaluation time shown in µs", async () => {
    const account = "delta-hedged-book";
    await page.selectOption("[data-testid=account]", account);
    await page.waitForFunction((id) => document.querySelector<HTMLSelectElement>("[data-testid=account]")?.value === id &&
      document.querySelectorAll("[data-testid=positions] tbody tr").length > 1, account);
    const before = Number(await page.getAttribute("body", "data-evals"));
    const qty = page.locator("[data-testid=positions] tbody tr:first-child input.qty");
    const instrument = await page.locator("[data-testid=positions] tbody tr:first-child input.instrument").inputValue();
    await qty.press("Control+A");
    await qty.pressSequentially("35", { delay: 10 });
    await page.waitForFunction((ins) => {
      const p = JSON.parse(document.body.dataset.positions ?? "[]") as { instrument: string; qty: number }[];
      return p.some((x) => x.instrument === ins && x.qty === 35);
    }, instrument);
    expect(Number(await page.getAttribute("body", "data-evals"))).toBeGreaterThan(before);

    // The same evaluation in Node, through the page's own logic module and the simd engine.
    const rc = await import(/* @vite-ignore */ new URL("../web/risk-check.js", import.meta.url).href);
    const engine = initSync({ backend: "simd" });
    const input = JSON.parse(BOOK_TEXT);
    const positions = Object.entries(input.accounts.find((a: { id: string }) => a.id === account).positions as Record<string, number>)
      .map(([i, q]) => ({ instrument: i, qty: i === instrument ? 35 : q }));
    const presets = rc.workingPresets(engine, presetNames(), engine.parse(input));
    const node = rc.evaluateAccount(engine, rc.accountBook(input, account, positions), presets).account;
    const rows = await page.$$eval("[data-testid=margins] tbody tr", (trs) =>
      trs.map((tr) => ({ model: (tr as HTMLElement).dataset.model!, im: (tr as HTMLElement).dataset.initial!, mm: (tr as HTMLElement).dataset.maintenance! })));
    expect(rows.map((r) => r.model)).toEqual(node.capitalEfficiency.map((r: { model: string }) => r.model));
    for (const r of rows) {
      expect(Object.is(Number(r.im), node.margin[r.model].initial), `${r.model} IM ${r.im} vs ${node.margin[r.model].initial}`).toBe(true);
      expect(Object.is(Number(r.mm), node.margin[r.model].maintenance), `${r.model} MM`).toBe(true);
    }
    expect(Object.is(Number(await page.getAttribute("[data-testid=summary]", "data-equity")), node.equity)).toBe(true);

    expect(await page.textContent("[data-testid=timing]")).toMatch(/evaluation [\d,.]+ µs/);
    await page.click("[data-testid=bench]");
    await page.waitForFunction(() => !!document.querySelector<HTMLElement>("[data-testid=bench-result]")?.dataset.mean, null, { timeout: 60_000 });
    console.log(`[Chromium ${browser.version()}] page, account ${account} (${positions.length} positions, ${rows.length} models): ` +
      (await page.textContent("[data-testid=bench-result]")));
    await page.screenshot({ path: resolve(RESULTS, "web-edited.png"), fullPage: true });
    expect(problems).toEqual([]);
    expect(await cspViolations(page)).toEqual([]);
  });

  it.each([
    ["examples/book.json", BOOK_TEXT],
    ["examples/book.json with rates and carry, no quoted forwards", RATES_BOOK_TEXT],
  ])("%s: the report under every preset has the same Float64 bits in Chromium as in Node (simd, scalar); js to 1e-12", async (name, bookText) => {
    const presets = presetNames();
    expect(presets).toContain("var");
    // Source text, so the test runner does not rewrite the page's dynamic import; the bits are read in
    // the page (hex of each binary64), so nothing is lost in the transfer.
    const got = (await page.evaluate(`(async () => {
      const hex64 = (x) => new BigUint64Array(Float64Array.of(x).buffer)[0].toString(16).padStart(16, "0");
      function bitLines(x, path = "", out = []) {
        if (typeof x === "number") out.push(path + " = " + hex64(x) + " (" + x + ")");
        else if (Array.isArray(x)) x.forEach((y, i) => bitLines(y, path + "[" + i + "]", out));
        else if (x && typeof x === "object") for (const k of Object.keys(x).sort()) bitLines(x[k], path ? path + "." + k : k, out);
        return out;
      }
      function shape(x) {
        if (typeof x === "number") return "#";
        if (Array.isArray(x)) return x.map(shape);
        if (x && typeof x === "object") return Object.fromEntries(Object.entries(x).map(([k, v]) => [k, shape(v)]));
        return x;
      }
      const m = await import("/riskgrid.js");
      m.setVarHistory(m.parsePriceCsv(await (await fetch("/prices.csv")).text(), { source: "prices.csv" }));
      const out = {};
      for (const backend of ["simd", "scalar", "js"]) {
        const r = (await m.init({ backend })).evaluate(${JSON.stringify(bookText)}, { presets: ${JSON.stringify(presets)} });
        out[backend] = { bits: bitLines(r), shape: shape(r) };
      }
      return out;
    })()`)) as Record<string, { bits: string[]; shape: unknown }>;
    for (const backend of ["simd", "scalar", "js"] as const) {
      const report = initSync({ backend }).evaluate(bookText, { presets });
      expect(got[backend].shape, `${backend}: everything but the numbers`).toEqual(shape(report));
      const node = bitLines(report);
      expect(node.length).toBeGreaterThan(1000);
      if (backend === "js") {
        // The js reference uses the host's Math.exp/log, whose last bits differ between V8 versions.
        // Rule: |Δ| ≤ 1e-12 · max(|x|, largest |number| of the same account or instrument) — a margin
        // that is a small difference of large scenario P&Ls carries their absolute rounding.
        const ref = numbersWithPaths(report);
        const web = got.js.bits.map((l) => Number(l.slice(l.lastIndexOf("(") + 1, -1)));
        const itemOf = (path: string) => /^(accounts|instruments)\[\d+\]/.exec(path)?.[0] ?? "";
        const scale = new Map<string, number>();
        for (const [path, x] of ref) scale.set(itemOf(path), Math.max(scale.get(itemOf(path)) ?? 0, Math.abs(x)));
        ref.forEach(([path, x], i) => expect(Math.abs(web[i] - x), `js ${path}: ${web[i]} vs ${x}`)
          .toBeLessThanOrEqual(1e-12 * Math.max(Math.abs(x), scale.get(itemOf(path))!)));
        const same = node.filter((l, i) => l === got.js.bits[i]).length;
        console.log(`[Chromium ${browser.version()}] report of ${name} under ${presets.join(", ")}: simd and scalar ` +
          `${node.length} numbers bit-identical to Node; js ${same}/${node.length}`);
      } else {
        expect(got[backend].bits, backend).toEqual(node);
      }
    }
  });
});
