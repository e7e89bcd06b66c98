/**
 * Positions of every account in CSR form with slack: account a owns slots [start[a], start[a] + cap[a])
 * of which the first len[a] are used. A position update touches only its account; an account that
 * outgrows its slots moves to the end of the arrays (its old slots become garbage, compacted when the
 * garbage passes half of the arrays).
 *
 * With a `rank` per instrument, each account's positions are kept in order of rank, stably (equal
 * ranks in the order they came): a tick session ranks by its group, so the kernel sums each group's
 * positions as one run.
 *
 * A copy of the arrays lives in kernel memory between ticks (the session's resident positions): the
 * store records which accounts changed since the copy (`changed`), or that everything moved (`moved`:
 * the arrays grew or were compacted), and the session's sync consumes both.
 */
export class PositionStore {
  start: Int32Array;
  len: Int32Array;
  cap: Int32Array;
  inst: Int32Array;
  qty: Float64Array;
  /** Accounts whose start, length or slots changed since the last sync. */
  changed = new Set<number>();
  /** Every account may have moved (grow, compact): the next sync copies everything. */
  moved = true;
  /** First free slot at the end. */
  private top = 0;
  private garbage = 0;

  constructor(
    perAccount: ReadonlyArray<ReadonlyArray<{ inst: number; qty: number }>>, slack = 2,
    private readonly rank: (inst: number) => number = () => 0,
  ) {
    const n = perAccount.length;
    this.start = new Int32Array(n);
    this.len = new Int32Array(n);
    this.cap = new Int32Array(n);
    const total = perAccount.reduce((s, p) => s + p.length + slack, 0);
    this.inst = new Int32Array(Math.max(16, total));
    this.qty = new Float64Array(Math.max(16, total));
    perAccount.forEach((list, a) => {
      this.start[a] = this.top;
      this.cap[a] = list.length + slack;
      // Array.prototype.sort is stable: equal ranks keep the book's order.
      [...list].sort((x, y) => rank(x.inst) - rank(y.inst)).forEach((p) => this.push(a, p.inst, p.qty));
      this.top += this.cap[a];
    });
  }

  get accounts(): number {
    return this.len.length;
  }

  /** Total positions in use. */
  count(): number {
    let n = 0;
    for (let a = 0; a < this.len.length; a++) n += this.len[a];
    return n;
  }

  /** Set account a's quantity of instrument i (0 removes it). */
  set(a: number, i: number, qty: number): void {
    this.changed.add(a);
    const s = this.start[a];
    for (let p = s; p < s + this.len[a]; p++) {
      if (this.inst[p] !== i) continue;
      if (qty !== 0) {
        this.qty[p] = qty;
        return;
      }
      // Remove: keep the order of the others (summation order stays that of the book).
      this.inst.copyWithin(p, p + 1, s + this.len[a]);
      this.qty.copyWithin(p, p + 1, s + this.len[a]);
      this.len[a]--;
      return;
    }
    if (qty === 0) return;
    if (this.len[a] === this.cap[a]) this.relocate(a, Math.max(4, this.cap[a] * 2));
    // After the last position of the same or a lower rank.
    const s0 = this.start[a];
    const r = this.rank(i);
    let at = s0 + this.len[a];
    while (at > s0 && this.rank(this.inst[at - 1]) > r) at--;
    this.inst.copyWithin(at + 1, at, s0 + this.len[a]);
    this.qty.copyWithin(at + 1, at, s0 + this.len[a]);
    this.len[a]++;
    this.inst[at] = i;
    this.qty[at] = qty;
  }

  private push(a: number, i: number, qty: number): void {
    const p = this.start[a] + this.len[a]++;
    this.inst[p] = i;
    this.qty[p] = qty;
  }

  private relocate(a: number, newCap: number): void {
    if (this.top + newCap > this.inst.length) this.grow(this.top + newCap);
    const s = this.start[a];
    this.inst.copyWithin(this.top, s, s + this.len[a]);
    this.qty.copyWithin(this.top, s, s + this.len[a]);
    this.garbage += this.cap[a];
    this.start[a] = this.top;
    this.cap[a] = newCap;
    this.top += newCap;
    if (this.garbage > this.top / 2) this.compact();
  }

  private grow(min: number): void {
    const size = Math.max(min, this.inst.length * 2);
    const inst = new Int32Array(size);
    const qty = new Float64Array(size);
    inst.set(this.inst);
    qty.set(this.qty);
    this.inst = inst;
    this.qty = qty;
    this.moved = true;
  }

  private compact(): void {
    const inst = new Int32Array(this.inst.length);
    const qty = new Float64Array(this.qty.length);
    let top = 0;
    for (let a = 0; a < this.len.length; a++) {
      const s = this.start[a];
      inst.set(this.inst.subarray(s, s + this.len[a]), top);
      qty.set(this.qty.subarray(s, s + this.len[a]), top);
      this.start[a] = top;
      top += this.cap[a];
    }
    this.inst = inst;
    this.qty = qty;
    this.top = top;
    this.garbage = 0;
    this.moved = true;
  }
}
