/**
 * Timing with tinybench. Each task is run in several rounds (tasks interleaved, so a noisy neighbour
 * hits every backend alike); a result keeps the best (minimum) latency over all samples and the
 * median of the rounds' medians, so a shared machine shows as spread rather than as a wrong best.
 */
import { Bench } from "tinybench";

export interface TaskSpec {
  name: string;
  fn: () => void;
  /** Milliseconds of sampling per round (default 400). */
  time?: number;
}

export interface Timing {
  name: string;
  /** Best (minimum) latency over every sample, ms. */
  bestMs: number;
  /** Median over rounds of each round's median latency, ms. */
  medianMs: number;
  /** (median − best) / best. */
  spread: number;
  samples: number;
}

declare const gc: (() => void) | undefined;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export async function measure(tasks: TaskSpec[], rounds = 3): Promise<Timing[]> {
  const best = new Map<string, number>();
  const medians = new Map<string, number[]>();
  const samples = new Map<string, number>();
  for (let r = 0; r < rounds; r++) {
    for (const t of tasks) {
      if (typeof gc === "function") gc();
      const bench = new Bench({ time: t.time ?? 400, iterations: 10, warmupTime: 100, warmupIterations: 5 });
      bench.add(t.name, t.fn);
      await bench.run();
      const res = bench.tasks[0].result;
      if (res.state !== "completed") throw new Error(`bench ${t.name}: ${res.state}`);
      best.set(t.name, Math.min(best.get(t.name) ?? Infinity, res.latency.min));
      medians.set(t.name, [...(medians.get(t.name) ?? []), res.latency.p50]);
      samples.set(t.name, (samples.get(t.name) ?? 0) + res.latency.samplesCount);
    }
  }
  return tasks.map(({ name }) => {
    const b = best.get(name)!;
    const m = median(medians.get(name)!);
    return { name, bestMs: b, medianMs: m, spread: (m - b) / b, samples: samples.get(name)! };
  });
}
