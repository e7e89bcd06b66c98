/**
 * One seed for every property test, so a red CI run is reproducible and a green one stays green:
 * `npm test` uses a fixed seed; `PROP_SEED=random` (or a number) and `PROP_RUNS=n` explore further
 * (`npm run test:explore`). A failure prints its seed and path; replay it with PROP_SEED=<seed>.
 */
import fc from "fast-check";

const FIXED_SEED = 20261121;
const raw = process.env.PROP_SEED;
const seed = raw === "random" ? Date.now() ^ (Math.random() * 0x7fffffff) : raw ? Number(raw) : FIXED_SEED;
const runs = process.env.PROP_RUNS ? Number(process.env.PROP_RUNS) : undefined;
fc.configureGlobal({ seed, ...(runs ? { numRuns: runs } : {}) });
