/**
 * The web page's evaluation (web/app.js evaluateNow), without the DOM: the `delta-hedged-book` account
 * of examples/book.json alone in its book, evaluated under the page's presets (the book's own, then
 * every registered preset that evaluates on it: var with the page's price history), and under `var`
 * alone. The same book and history on every call, as when a trader types: what a cache of the
 * history's derived data saves shows here.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { BackendName } from "../src/kernel/abi.js";
import { initSync, parsePriceCsv, presetNames } from "../src/index.js";
import type { BookInput } from "../src/types.js";

const BOOK = "../examples/book.json";
const HISTORY = "../examples/data/prices-btc-eth-sol.csv";
const ACCOUNT = "delta-hedged-book";

const read = (rel: string): string => readFileSync(fileURLToPath(new URL(rel, import.meta.url)), "utf8");

/** Per backend: the page's evaluation and the var-only one, as bench tasks. */
export function varPageTasks(backends: BackendName[]): { name: string; fn: () => unknown }[] {
  const input = JSON.parse(read(BOOK)) as BookInput & { accounts: { id: string }[]; risk?: { presets?: string[] } };
  const one = { ...input, accounts: input.accounts.filter((a) => a.id === ACCOUNT) };
  const history = parsePriceCsv(read(HISTORY), { source: "prices.csv" });
  return backends.flatMap((b) => {
    const engine = initSync({ backend: b });
    const book = engine.parse(one);
    const own = input.risk?.presets ?? [];
    const works = (p: string): boolean => {
      try {
        engine.evaluateBook(book, { presets: [p], history });
        return true;
      } catch {
        return false;
      }
    };
    const presets = [...own, ...presetNames().filter((p) => !own.includes(p) && works(p))];
    return [
      { name: `page:${b}`, fn: () => engine.evaluateBook(book, { presets, history }) },
      { name: `var:${b}`, fn: () => engine.evaluateBook(book, { presets: ["var"], history }) },
    ];
  });
}
