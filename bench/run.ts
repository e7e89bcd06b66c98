/**
 * `npm run bench`: the kernel's performance contract (DESIGN §7) on this machine, for every backend
 * in one run. Prints a table and writes bench/results/latest.json.
 *
 * `npm run bench -- --only client`: the client-check rows alone (full grid and full report, every
 * backend), printed only: for timing one change in seconds rather than minutes.
 * `npm run bench -- --only var-page`: likewise, the web page's evaluation of the example account with
 * its presets, and with `var` alone (bench/var-page.ts).
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { type BackendName, type Kernel } from "../src/kernel/abi.js";
import { loadKernelSync } from "../src/kernel/select.js";
import { finishMachineInfo, machineInfo } from "./machine.js";
import { measure, type Timing } from "./measure.js";
import { pct, renderTable, si } from "./table.js";
import { formatVarBench, runVarBench } from "./var.js";
import { initSync } from "../src/index.js";
import { randomBook } from "../test/helpers/random-book.js";
import { exchangeTick } from "./tick.js";
import { varPageTasks } from "./var-page.js";
import {
  accountList, dims, N_SCEN, optionRows, type Style, writeInstruments, writePositions, writeScenarios,
} from "./workloads.js";

const BACKENDS: BackendName[] = ["simd", "scalar", "js"];
const N_OPTIONS = 10_000;
const ACC_POSITIONS = 100_000;
const PER_ACCOUNT = 10;
const MARSHAL_POSITIONS = 10_000;
const CLIENT_POSITIONS = 50;

const TARGETS = {
  simdRevalsPerSec: 90e6,
  simdOverJs: 2.5,
  simdMaddsPerSec: 500e6,
  marshalMicros: 100,
  clientMicros: 40,
};

/** A kernel holding `nInst` options of `style`, the grid and (optionally) accounts, with a cube. */
function kernelWith(b: BackendName, nInst: number, style: Style, nAcc = 0, perAcc = 0): Kernel {
  const k = loadKernelSync(b);
  const v = k.reserve(dims(nInst, nAcc, nAcc * perAcc));
  writeScenarios(v);
  writeInstruments(v, optionRows(nInst, 42, style));
  if (nAcc) writePositions(v, accountList(nAcc, perAcc, nInst, 43));
  k.instrumentPass();
  return k;
}

/** One account's full grid end to end: marshal its instruments, grid and positions, both passes, read out. */
function clientCheck(b: BackendName): () => void {
  const k = loadKernelSync(b);
  const rows = optionRows(CLIENT_POSITIONS, 7);
  const positions = [rows.map((_, i): [number, number] => [i, i % 2 ? -1 : 2])];
  const d = dims(CLIENT_POSITIONS, 1, CLIENT_POSITIONS);
  const out = new Float64Array(d.nGroups * N_SCEN + d.nBuckets * 5);
  return () => {
    const v = k.reserve(d);
    writeScenarios(v);
    writeInstruments(v, rows);
    writePositions(v, positions);
    k.instrumentPass();
    k.accountPass();
    const w = k.views();
    out.set(w.pnl);
    out.set(w.greeks, w.pnl.length);
  };
}

type ClientTiming = Record<string, { bestMicros: number; medianMicros: number; spread: number }>;

/** µs per call of `tasks` (named `${prefix}${backend}`), keyed by backend. */
function micros(timings: Timing[], tasks: { name: string }[], prefix: string): ClientTiming {
  const t = (name: string): Timing => timings.find((x) => x.name === name)!;
  return Object.fromEntries(
    tasks.map(({ name }) => [name.slice(prefix.length), { bestMicros: t(name).bestMs * 1e3, medianMicros: t(name).medianMs * 1e3, spread: t(name).spread }]),
  );
}

/** The client-check rows of the table: full grid, then full report, per backend. */
function clientRows(client: ClientTiming, report: ClientTiming): string[][] {
  const ok = (pass: boolean) => (pass ? "yes" : "NO");
  const rows: string[][] = [];
  for (const b of BACKENDS) {
    const c = client[b];
    rows.push([`full grid, 1 account × ${CLIENT_POSITIONS} positions`, b, `${c.bestMicros.toFixed(1)} µs`, `${c.medianMicros.toFixed(1)} µs`,
      pct(c.spread), b === "simd" ? `≤ 40 µs: ${ok(c.bestMicros <= TARGETS.clientMicros)}` : ""]);
  }
  for (const b of BACKENDS) {
    const c = report[b];
    rows.push([`full report, 1 account × 50 positions (deribit-pm)`, b, `${c.bestMicros.toFixed(0)} µs`, `${c.medianMicros.toFixed(0)} µs`, pct(c.spread), ""]);
  }
  return rows;
}

/** The client check alone (`--only client`): its rows, printed, nothing written. */
async function clientOnly(clientTasks: { name: string; fn: () => void }[], reportTasks: { name: string; fn: () => unknown }[]): Promise<void> {
  const timings = await measure([...clientTasks, ...reportTasks]);
  const rows = clientRows(micros(timings, clientTasks, "client:"), micros(timings, reportTasks, "report:"));
  console.log(`\n${renderTable(["workload", "backend", "best", "median", "spread", "target"], rows)}\n`);
}

/** The web page's evaluation (`--only var-page`): page presets and var alone per backend, printed. */
async function varPageOnly(): Promise<void> {
  const tasks = varPageTasks(BACKENDS);
  const t = micros(await measure(tasks), tasks, "");
  const rows = tasks.map(({ name }) => {
    const [what, b] = name.split(":");
    const c = t[name];
    return [what === "page" ? "web page, delta-hedged-book, page presets" : "  same, var preset alone", b,
      `${c.bestMicros.toFixed(0)} µs`, `${c.medianMicros.toFixed(0)} µs`, pct(c.spread)];
  });
  console.log(`\n${renderTable(["workload", "backend", "best", "median", "spread"], rows)}\n`);
}

async function main(argv: string[]): Promise<void> {
  const only = argv.includes("--only") ? argv[argv.indexOf("--only") + 1] : null;
  if (only !== null && only !== "client" && only !== "var-page") throw new Error(`--only takes "client" or "var-page", not ${only}`);
  const machine = machineInfo();
  console.log(`riskgrid bench on ${machine.cpu} (${machine.cores} cores), node ${machine.node}; ` +
    `load average ${machine.loadAverage.start.toFixed(2)} at start`);
  if (only === "var-page") return varPageOnly();

  const clientTasks = BACKENDS.map((b) => ({ name: `client:${b}`, fn: clientCheck(b) }));
  // The client check as a trader's page runs it: the full report (all instruments' prices and greeks,
  // netted greeks, the 21×3 grid, standard + deribit-pm margins) of one 50-position account.
  const reportBook = randomBook({ seed: 9, accounts: 1, positionsPerAccount: 50, strikesPerExpiry: 6 });
  const reportTasks = BACKENDS.map((b) => {
    const engine = initSync({ backend: b });
    const parsed = engine.parse(reportBook);
    return { name: `report:${b}`, fn: () => engine.evaluateBook(parsed, { presets: ["deribit-pm"] }) };
  });
  if (only === "client") return clientOnly(clientTasks, reportTasks);

  const revals = N_OPTIONS * N_SCEN;
  const kernelTasks = [
    ...BACKENDS.map((b) => ({ b, style: "book" as Style })),
    { b: "simd" as BackendName, style: "tail" as Style },
    { b: "scalar" as BackendName, style: "tail" as Style },
  ].map(({ b, style }) => {
    const k = kernelWith(b, N_OPTIONS, style);
    return { name: `kernel:${style}:${b}`, fn: () => k.instrumentPass(), time: b === "js" ? 1500 : 600 };
  });
  const nAcc = ACC_POSITIONS / PER_ACCOUNT;
  const accountTasks = BACKENDS.map((b) => {
    const k = kernelWith(b, N_OPTIONS, "book", nAcc, PER_ACCOUNT);
    return { name: `account:${b}`, fn: () => k.accountPass(), bytes: k.memoryBytes() };
  });
  const marshalKernel = loadKernelSync("simd");
  const marshalViews = marshalKernel.reserve(dims(N_OPTIONS, MARSHAL_POSITIONS / PER_ACCOUNT, MARSHAL_POSITIONS));
  const marshalAccounts = accountList(MARSHAL_POSITIONS / PER_ACCOUNT, PER_ACCOUNT, N_OPTIONS, 44);

  const timings = await measure([
    ...kernelTasks,
    ...accountTasks,
    { name: "marshal", fn: () => writePositions(marshalViews, marshalAccounts) },
    ...clientTasks,
    ...reportTasks,
  ]);
  const t = (name: string): Timing => timings.find((x) => x.name === name)!;
  const rate = (name: string, work: number) => ({ best: work / (t(name).bestMs / 1e3), median: work / (t(name).medianMs / 1e3) });

  const kernel = Object.fromEntries(
    kernelTasks.map(({ name }) => [name.slice("kernel:".length), { ...rate(name, revals), spread: t(name).spread }]),
  );
  const madds = ACC_POSITIONS * N_SCEN;
  const account = Object.fromEntries(
    accountTasks.map(({ name, bytes }) => [name.slice(8), { ...rate(name, madds), spread: t(name).spread, memoryBytes: bytes }]),
  );
  const marshal = t("marshal");
  const report = micros(timings, reportTasks, "report:");
  const client = micros(timings, clientTasks, "client:");
  const ratio = (a: string, b: string) => ({ best: kernel[a].best / kernel[b].best, median: kernel[a].median / kernel[b].median });
  const ratios = { simdOverJs: ratio("book:simd", "book:js"), simdOverScalar: ratio("book:simd", "book:scalar") };

  const ok = (pass: boolean) => (pass ? "yes" : "NO");
  const rows: string[][] = [];
  for (const key of Object.keys(kernel)) {
    const [style, b] = key.split(":");
    const k = kernel[key];
    const label = style === "book" ? `kernel ${N_OPTIONS} options × ${N_SCEN} scen` : `  same, tail-heavy book (full CDF path)`;
    const target = key === "book:simd" ? `≥ 90 M: ${ok(k.best >= TARGETS.simdRevalsPerSec)}` : "";
    rows.push([label, b, si(k.best, "reval/s"), si(k.median, "reval/s"), pct(k.spread), target]);
  }
  rows.push([`  ratio simd / js (same run)`, "", `${ratios.simdOverJs.best.toFixed(2)} ×`, `${ratios.simdOverJs.median.toFixed(2)} ×`, "",
    `≥ 2.5 ×: ${ok(ratios.simdOverJs.median >= TARGETS.simdOverJs)}`]);
  rows.push([`  ratio simd / scalar`, "", `${ratios.simdOverScalar.best.toFixed(2)} ×`, `${ratios.simdOverScalar.median.toFixed(2)} ×`, "", ""]);
  for (const b of BACKENDS) {
    const a = account[b];
    rows.push([`account pass ${ACC_POSITIONS / 1000}k positions × ${N_SCEN} scen`, b, si(a.best, "madd/s"), si(a.median, "madd/s"),
      pct(a.spread), b === "simd" ? `≥ 500 M: ${ok(a.best >= TARGETS.simdMaddsPerSec)}` : ""]);
  }
  rows.push([`marshal ${MARSHAL_POSITIONS / 1000}k positions into the views`, "any", `${(marshal.bestMs * 1e3).toFixed(1)} µs`,
    `${(marshal.medianMs * 1e3).toFixed(1)} µs`, pct(marshal.spread), `≤ 100 µs: ${ok(marshal.bestMs * 1e3 <= TARGETS.marshalMicros)}`]);
  rows.push(...clientRows(client, report));
  const varBench = runVarBench();
  const tick = await exchangeTick({ log: (line) => console.error(line) });
  const done = finishMachineInfo(machine);
  const table = renderTable(["workload", "backend", "best", "median", "spread", "target"], rows);
  console.log(`\n${table}\n`);
  console.log(formatVarBench(varBench) + "\n");
  console.log(tick.table + "\n");
  console.log(`best = fastest sample of 3 rounds; median = median of the rounds' medians; spread = median/best − 1.\n` +
    `Load average ${done.loadAverage.start.toFixed(2)} → ${done.loadAverage.end!.toFixed(2)} on ${done.cores} cores` +
    `${done.loadAverage.start > 0.5 || (done.loadAverage.end ?? 0) > 0.5 ? " (shared machine: medians are pessimistic)" : ""}.`);

  const result = {
    machine: done,
    workloads: {
      kernel: { options: N_OPTIONS, scenarios: N_SCEN, unit: "option revaluations per second", ...kernel },
      ratios,
      accountPass: { positions: ACC_POSITIONS, scenarios: N_SCEN, unit: "position-scenario multiply-adds per second", ...account },
      marshal: { positions: MARSHAL_POSITIONS, bestMicros: marshal.bestMs * 1e3, medianMicros: marshal.medianMs * 1e3, spread: marshal.spread },
      clientFullGrid: { positions: CLIENT_POSITIONS, scenarios: N_SCEN, unit: "microseconds per call", ...client },
      clientFullReport: { positions: 50, presets: ["standard", "deribit-pm"], unit: "microseconds per call", ...report },
      var: varBench,
      exchangeTick: { ...tick, table: undefined },
    },
    targets: TARGETS,
    table,
  };
  mkdirSync("bench/results", { recursive: true });
  writeFileSync("bench/results/latest.json", JSON.stringify(result, null, 2) + "\n");
  console.log("wrote bench/results/latest.json");
}

main(process.argv.slice(2)).catch((e) => {
  console.error(e);
  process.exit(1);
});
