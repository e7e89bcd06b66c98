/**
 * A progress bar on stderr for anything that runs longer than a second: silent for quick runs, when
 * stderr is not a terminal (pipes, CI logs) and with --quiet.
 */
const WIDTH = 30;
const SHOW_AFTER_MS = 1000;

export interface Progress {
  update(fraction: number, stage: string): void;
  done(): void;
}

export function progressBar(label: string, enabled = process.stderr.isTTY === true): Progress {
  const start = Date.now();
  let drawn = false;
  return {
    update(fraction, stage) {
      if (!enabled || Date.now() - start < SHOW_AFTER_MS) return;
      const f = Math.min(1, Math.max(0, fraction));
      const full = Math.round(f * WIDTH);
      process.stderr.write(`\r${label} [${"█".repeat(full)}${" ".repeat(WIDTH - full)}] ${(f * 100).toFixed(0).padStart(3)}% ${stage.padEnd(28)}`);
      drawn = true;
    },
    done() {
      if (drawn) process.stderr.write("\r" + " ".repeat(label.length + WIDTH + 40) + "\r");
    },
  };
}
