/** The machine a benchmark ran on, recorded next to its numbers. */
import os from "node:os";

export interface MachineInfo {
  cpu: string;
  cores: number;
  node: string;
  v8: string;
  platform: string;
  totalMemoryGiB: number;
  /** 1-minute load average at the start and end of the run: > 1 means the machine was shared. */
  loadAverage: { start: number; end?: number };
  date: string;
}

export function machineInfo(): MachineInfo {
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model ?? "unknown",
    cores: cpus.length,
    node: process.version,
    v8: process.versions.v8,
    platform: `${os.platform()} ${os.arch()}`,
    totalMemoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    loadAverage: { start: os.loadavg()[0] },
    date: new Date().toISOString(),
  };
}

export function finishMachineInfo(m: MachineInfo): MachineInfo {
  return { ...m, loadAverage: { ...m.loadAverage, end: os.loadavg()[0] } };
}
