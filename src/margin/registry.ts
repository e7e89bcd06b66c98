/**
 * Preset registry: name → preset. Presets register here so the engine, CLI and README list them.
 */
import { RiskError } from "../errors.js";
import type { MarginPreset } from "./types.js";

const presets = new Map<string, MarginPreset>();

export function registerPreset(p: MarginPreset): void {
  presets.set(p.name, p);
}

export function getPreset(name: string, path = "risk.presets"): MarginPreset {
  const p = presets.get(name);
  if (!p) {
    throw new RiskError("E_PRESET", path, `unknown preset "${name}": use one of ${[...presets.keys()].join(", ")}`);
  }
  return p;
}

export function presetNames(): string[] {
  return [...presets.keys()];
}
