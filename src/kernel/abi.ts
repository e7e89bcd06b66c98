/**
 * The one kernel interface shared by the three backends (simd, scalar, js).
 *
 * Memory is structure-of-arrays. The caller asks the backend to `reserve` room for some dimensions,
 * writes the inputs into the returned views, and calls the passes. For the wasm backends the views
 * live in wasm linear memory (re-fetch them after every `reserve`: a `memory.grow` detaches old views);
 * for js they are plain typed arrays. Nothing else crosses the boundary.
 *
 * ## Instrument pass: values, greeks and the scenario cube
 * Per instrument i (length nInst):
 * - `kind[i]`   one of KIND_* below.
 * - `factor[i]` scenario risk factor (usually the underlying) whose row of the scenario arrays moves it.
 * - `cp[i]`     +1 call, −1 put (options); 0 otherwise.
 * - `strike[i]` option strike K (USD per coin). Delta-one: the reference level K in the value formula
 *               (the forward F for futures/perpetuals, so the mark value is 0; 0 for spot).
 * - `tau[i]`    years to expiry, ACT/365 (0 for spot/perpetuals).
 * - `fwd[i]`    forward F of the instrument's expiry (USD per coin); the index for perpetuals/spot.
 * - `df[i]`     discount factor e^{−rT}.
 * - `rate[i]`   continuously compounded rate r (theta uses it: ∂df/∂T = −r·df).
 * - `vol[i]`    implied volatility σ (decimal); ignored for delta-one.
 * - `volMult[i]` term-structure multiplier of the vol shock, (30 / max(DTE, floor))^p, set per scenario set.
 * - `size[i]`   contract size: coins for options/spot/linear delta-one; USD face for inverse delta-one.
 * - `dFdS[i]`   ∂F/∂index = F / index (1 for perpetuals and spot); turns forward greeks into index greeks.
 *
 * Scenario arrays, index f·nScen + s for factor f and scenario s:
 * - `mult`     spot multiplier M: shocked forward F' = F·M.
 * - `lnMult`   ln(M), computed once by the caller.
 * - `volShift` signed relative vol shock a: σ' = max(volFloor, σ·max(0, 1 + a·volMult[i])).
 * - `volFloor` floor on the shocked vol (0 = none; presets set it on vol-up scenarios only).
 *
 * Outputs (per contract):
 * - `value[i]`  mark value in the settlement currency: options Black-76 (USD for linear, USD / F for
 *               inverse), linear delta-one size·(F − K), inverse delta-one size·(1/K − 1/F) coin.
 * - `delta, gamma, vega, theta, rho` of the USD value V_usd (DESIGN §2 units): delta ∂V/∂index (coins),
 *   gamma ∂²V/∂index², vega ∂V/∂σ × 0.01, theta −∂V/∂T ÷ 365 with the forward held, rho ∂V/∂r × 0.01
 *   with the forward held (Black-76 rho = −T·V).
 * - `cube[i·nScen + s]` value under scenario s minus `value[i]`, in the settlement currency.
 *
 * ## Account pass: Σ qty × cube rows
 * Accounts in CSR form: positions of account a are p ∈ [accStart[a], accStart[a+1]), each with
 * `posInst[p]` (instrument index) and `posQty[p]` (contracts). Per instrument, `group[i]` ∈ [0, nGroups)
 * says which P&L row it adds to and `bucket[i]` ∈ [0, nBuckets) which greek row.
 * Outputs (zeroed by the pass itself):
 * - `pnl[(a·nGroups + g)·nScen + s]` = Σ qty·cube[i·nScen + s]   (settlement currency of the group)
 * - `base[a·nGroups + g]`            = Σ qty·value[i]
 * - `greeks[(a·nBuckets + b)·5 + k]` = Σ qty·greek_k[i], k = 0 delta, 1 gamma, 2 vega, 3 theta, 4 rho.
 * Positions are summed in CSR order, so every backend adds in the same order.
 */

export type BackendName = "simd" | "scalar" | "js";

export const KIND_OPTION_LINEAR = 0;
export const KIND_OPTION_INVERSE = 1;
export const KIND_DELTA1_LINEAR = 2;
export const KIND_DELTA1_INVERSE = 3;

export const GREEKS = ["delta", "gamma", "vega", "theta", "rho"] as const;
export const N_GREEKS = 5;

/** Smallest σ√T the kernels use: below it an option is worth its discounted intrinsic value. */
export const MIN_STDDEV = 1e-12;

export interface Dims {
  nInst: number;
  nScen: number;
  nFactors: number;
  nAcc: number;
  nPos: number;
  nGroups: number;
  nBuckets: number;
}

export interface KernelViews {
  // instrument inputs
  kind: Int32Array;
  factor: Int32Array;
  cp: Float64Array;
  strike: Float64Array;
  tau: Float64Array;
  fwd: Float64Array;
  df: Float64Array;
  rate: Float64Array;
  vol: Float64Array;
  volMult: Float64Array;
  size: Float64Array;
  dFdS: Float64Array;
  // scenario inputs
  mult: Float64Array;
  lnMult: Float64Array;
  volShift: Float64Array;
  volFloor: Float64Array;
  // instrument outputs
  value: Float64Array;
  delta: Float64Array;
  gamma: Float64Array;
  vega: Float64Array;
  theta: Float64Array;
  rho: Float64Array;
  cube: Float64Array;
  // account inputs
  accStart: Int32Array;
  posInst: Int32Array;
  posQty: Float64Array;
  group: Int32Array;
  bucket: Int32Array;
  // account outputs
  pnl: Float64Array;
  base: Float64Array;
  greeks: Float64Array;
}

/**
 * ## deribit-pm tick (tick sessions, issue 7)
 * `pmTick(from, count, …)` gives deribit-pm IM, MM, equity and status of accounts [from, from + count)
 * straight from their positions, which stay resident in the pm room between ticks (only changed
 * accounts are written again). It needs a prior instrument pass whose groups are the tick layout
 * (nGroups = 4·nFactors, group 4u + (inverse ? 1 : 0) + (option ? 2 : 0)) and whose buckets are the
 * book's greek buckets; the kernel's own account columns are not used. Per account it sums, in the
 * order of its positions, qty·cube rows per group, qty·value per group and qty·delta per bucket —
 * exactly the account pass's sums — into scratch that stays in cache, then reduces them
 * (src/kernel/pm-reduce.ts is the reference; the wasm builds do the same operations in the same order).
 * A factor with no position, no coin collateral and other than the account currency contributes
 * nothing and is skipped (bit for bit what computing it gives, when gains cannot count).
 * The scenario multipliers are the kernel's `mult` column (S = nScen scenarios per factor: nStd standard
 * ones, then nExt extended moves).
 * Market (per factor u, U = nFactors):
 * - `index[u]`        USD index.
 * - `pmConst[u·PM_STRIDE + k]` k = PM_N_STD, PM_PNL_OFFSET, … (PmConstants of src/session/pm-tick.ts).
 * - `edge`, `extScale`, `dampUsd` [u·nExt + e] per extended move.
 * - `bucketFactor[b]` factor of greek bucket b; `bucketRolls[b]` 1 when it rolls; `rollRate[b]`.
 * Accounts (a < nAcc):
 * - `posStart[a]`, `posLen[a]`: its positions are slots [posStart, posStart + posLen) of `posInst`
 *   (instrument index) and `posQty` (contracts), p < nPos. Slots between accounts may be unused.
 * - `accCurrency[a]` factor of the account currency, −1 for USD/stablecoins.
 * - `accCoin[a·U + u]` coin collateral; `accFixed[a]` fixed collateral (USD).
 * - `accCoinWeight[a·U + u]`, `accFixedWeight[a]` haircut weights.
 * Outputs [a]: `initial`, `maintenance`, `equity` (account currency), `status` (0 healthy … 3 bankrupt).
 * Kept between calls (the caller's to invalidate), per account and factor [a·U + u]: the factor's
 * worst loss in USD `keptWorstUsd`, roll and delta-shock term `keptRoll` (coins) and positions' USD
 * value `keptValue`, valid while `cacheOk[a]` ≠ 0. For an account not kept in coin u they depend on
 * the factor's own positions, coin collateral and market only (its contribution is
 * worstUsd / pc0 + roll·(S_u / pc0), converted at every call), so the kernel recomputes factor u of
 * account a only when `cacheOk[a]` = 0, `factorDirty[u]` ≠ 0 (its market changed since the last call)
 * or the account is kept in u; it sets `cacheOk[a]` after each account. The caller clears `cacheOk` of
 * accounts whose positions or collateral changed, sets `factorDirty` of factors whose index or vols
 * moved (all of them on a new room) and clears it after a full tick. The js backend recomputes
 * everything: the same bits, the kept numbers being what recomputing gives.
 * Scratch (the kernel's own): `rows` (nGroups + 1 rows of nScen rounded up to even, the last one
 * zeros), `groupBase` (nGroups),
 * `touched` (nGroups), `bucketDelta` (nBuckets), `pre` (nScen); per call `marketSx` (nFactors·nScen),
 * `marketRatio` and `marketDamp` (nFactors·nExt), `factorBuckets` (nFactors + 1 + nBuckets); per account
 * and factor `sums` (2·nScen) and `factorFresh` (nFactors).
 */
export interface PmDims {
  nAcc: number;
  nPos: number;
  nFactors: number;
  nScen: number;
  nBuckets: number;
  nExt: number;
}

export const PM_N_STD = 0;
export const PM_PNL_OFFSET = 1;
export const PM_MAX_OFFSETABLE = 2;
export const PM_LIQ_THRESHOLD = 3;
export const PM_M_INC = 4;
export const PM_MAX_DELTA_SHOCK = 5;
export const PM_STRIDE = 6;

export interface PmViews {
  index: Float64Array;
  pmConst: Float64Array;
  edge: Int32Array;
  extScale: Float64Array;
  dampUsd: Float64Array;
  bucketFactor: Int32Array;
  bucketRolls: Int32Array;
  rollRate: Float64Array;
  posStart: Int32Array;
  posLen: Int32Array;
  posInst: Int32Array;
  posQty: Float64Array;
  accCurrency: Int32Array;
  accCoin: Float64Array;
  accFixed: Float64Array;
  accCoinWeight: Float64Array;
  accFixedWeight: Float64Array;
  initial: Float64Array;
  maintenance: Float64Array;
  equity: Float64Array;
  status: Int32Array;
  rows: Float64Array;
  groupBase: Float64Array;
  touched: Int32Array;
  bucketDelta: Float64Array;
  pre: Float64Array;
  marketSx: Float64Array;
  marketRatio: Float64Array;
  marketDamp: Float64Array;
  sums: Float64Array;
  factorBuckets: Int32Array;
  factorDirty: Int32Array;
  cacheOk: Int32Array;
  keptWorstUsd: Float64Array;
  keptRoll: Float64Array;
  keptValue: Float64Array;
  factorFresh: Int32Array;
}

export interface Kernel {
  readonly backend: BackendName;
  /**
   * Who laid out the kernel's memory last. Users that keep state in kernel memory between calls (a
   * tick session keeps its cube) set it to themselves and redo their layout when someone else took it.
   */
  owner?: object | null;
  /**
   * Make room for `dims` and return views of exactly those lengths. Contents are kept when the
   * dimensions do not change; otherwise every input must be written again.
   */
  reserve(dims: Dims): KernelViews;
  /** The views of the last reserve (refreshed if memory grew since). */
  views(): KernelViews;
  /**
   * Instrument pass over instruments [from, to) of the reserved ones (all by default) and every
   * scenario; the other instruments' outputs are left as they are.
   */
  instrumentPass(from?: number, to?: number): void;
  /** Account pass over the reserved accounts (needs a prior instrument pass). */
  accountPass(): void;
  /** Bytes of kernel memory in use (wasm: memory.buffer.byteLength). */
  memoryBytes(): number;
  /**
   * Room for the deribit-pm tick's inputs, outputs and scratch (after `reserve`; a later `reserve` with
   * other dimensions drops it). Contents are kept when `d` does not change. Views as for `reserve`.
   */
  reservePm?(d: PmDims): PmViews;
  /** The views of the last reservePm (refreshed if memory grew since). */
  pmViews?(): PmViews;
  /**
   * deribit-pm IM, MM, equity and status of accounts [from, from + count) from their resident positions
   * (see above). `mmFactor` and `mmp` are the global mm_factor and mmp_margin. Returns the first of those
   * accounts whose IM, MM or equity is not finite (sizes that overflow together), or −1.
   */
  pmTick?(from: number, count: number, mmFactor: number, mmp: number): number;
}
