/**
 * Nelder–Mead simplex minimiser (reflection 1, expansion 2, contraction ½, shrink ½), restarted from
 * its best point until a restart no longer improves the minimum (the simplex can collapse early).
 */

export interface NelderMeadOptions {
  /** Initial step per coordinate. Default 0.1 (or 10 % of |x0| when larger). */
  step?: number[];
  /** Stop when the spread of function values ≤ ftol·(|f_best| + ftol). Default 1e-12. */
  ftol?: number;
  /** …and the simplex extent ≤ xtol. Default 1e-9. */
  xtol?: number;
  /** Iteration budget over all restarts. Default 5000. */
  maxIter?: number;
  /** Restarts. Default 3. */
  restarts?: number;
}

export interface NelderMeadResult {
  x: number[];
  f: number;
  iterations: number;
  converged: boolean;
}

export function nelderMead(fn: (x: number[]) => number, x0: number[], opts: NelderMeadOptions = {}): NelderMeadResult {
  const n = x0.length;
  const ftol = opts.ftol ?? 1e-12;
  const xtol = opts.xtol ?? 1e-9;
  const maxIter = opts.maxIter ?? 5000;
  const f = (x: number[]) => {
    const y = fn(x);
    return Number.isFinite(y) ? y : Infinity;
  };
  let iterations = 0;
  let best = { x: x0.slice(), f: f(x0) };
  let converged = false;
  for (let restart = 0; restart <= (opts.restarts ?? 3); restart++) {
    const simplex: number[][] = [best.x.slice()];
    for (let i = 0; i < n; i++) {
      const p = best.x.slice();
      const step = opts.step?.[i] ?? Math.max(0.1, 0.1 * Math.abs(p[i]));
      p[i] += restart === 0 ? step : step * 0.5;
      simplex.push(p);
    }
    let values = simplex.map(f);
    converged = false;
    while (iterations < maxIter) {
      iterations++;
      const order = values.map((_, k) => k).sort((a, b) => values[a] - values[b]);
      const s = order.map((k) => simplex[k]);
      const v = order.map((k) => values[k]);
      simplex.splice(0, simplex.length, ...s);
      values = v;
      let extent = 0;
      for (let k = 1; k <= n; k++) for (let i = 0; i < n; i++) extent = Math.max(extent, Math.abs(s[k][i] - s[0][i]));
      if (Math.abs(v[n] - v[0]) <= ftol * (Math.abs(v[0]) + ftol) && extent <= xtol) {
        converged = true;
        break;
      }
      const centroid = new Array<number>(n).fill(0);
      for (let k = 0; k < n; k++) for (let i = 0; i < n; i++) centroid[i] += s[k][i] / n;
      const along = (t: number) => centroid.map((c, i) => c + t * (s[n][i] - c));
      const xr = along(-1);
      const fr = f(xr);
      if (fr < v[0]) {
        const xe = along(-2);
        const fe = f(xe);
        if (fe < fr) {
          simplex[n] = xe;
          values[n] = fe;
        } else {
          simplex[n] = xr;
          values[n] = fr;
        }
      } else if (fr < v[n - 1]) {
        simplex[n] = xr;
        values[n] = fr;
      } else {
        const outside = fr < v[n];
        const xc = along(outside ? -0.5 : 0.5);
        const fc = f(xc);
        if (fc < (outside ? fr : v[n])) {
          simplex[n] = xc;
          values[n] = fc;
        } else {
          for (let k = 1; k <= n; k++) {
            simplex[k] = s[k].map((x, i) => s[0][i] + 0.5 * (x - s[0][i]));
            values[k] = f(simplex[k]);
          }
        }
      }
    }
    let k0 = 0;
    for (let k = 1; k < values.length; k++) if (values[k] < values[k0]) k0 = k;
    const improved = values[k0] < best.f - ftol * (Math.abs(best.f) + ftol);
    if (values[k0] <= best.f) best = { x: simplex[k0].slice(), f: values[k0] };
    if (restart > 0 && !improved) break;
    if (iterations >= maxIter) break;
  }
  return { x: best.x, f: best.f, iterations, converged };
}
