/** Small dense linear algebra for F×F covariance matrices (F = number of underlyings). */

export type Matrix = number[][];

export function zeros(n: number, m = n): Matrix {
  return Array.from({ length: n }, () => new Array<number>(m).fill(0));
}

export function scale(a: Matrix, k: number): Matrix {
  return a.map((row) => row.map((x) => x * k));
}

export function matMul(a: Matrix, b: Matrix): Matrix {
  const n = a.length;
  const m = b[0]?.length ?? 0;
  const out = zeros(n, m);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < b.length; k++) {
      const aik = a[i][k];
      if (aik === 0) continue;
      for (let j = 0; j < m; j++) out[i][j] += aik * b[k][j];
    }
  }
  return out;
}

export function matVec(a: Matrix, x: ArrayLike<number>): number[] {
  return a.map((row) => {
    let s = 0;
    for (let j = 0; j < row.length; j++) s += row[j] * x[j];
    return s;
  });
}

export function dot(x: ArrayLike<number>, y: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i] * y[i];
  return s;
}

/** xᵀ A y. */
export function quadForm(x: ArrayLike<number>, a: Matrix, y: ArrayLike<number> = x): number {
  return dot(x, matVec(a, y));
}

export function trace(a: Matrix): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i][i];
  return s;
}

/**
 * Lower-triangular L with L·Lᵀ = A for a symmetric positive semi-definite A. A pivot that falls to
 * ≤ tol·max(diag) (rank deficiency, e.g. the ρ = 1 stress where A = σσᵀ has rank one) makes its
 * column zero instead of failing, which is the right factor for a semi-definite matrix. A clearly
 * negative pivot (an indefinite input) throws.
 */
export function cholesky(a: Matrix, tol = 1e-12): Matrix {
  const n = a.length;
  const L = zeros(n);
  let maxDiag = 0;
  for (let i = 0; i < n; i++) maxDiag = Math.max(maxDiag, Math.abs(a[i][i]));
  const eps = tol * maxDiag;
  for (let j = 0; j < n; j++) {
    let d = a[j][j];
    for (let k = 0; k < j; k++) d -= L[j][k] * L[j][k];
    if (d <= eps) {
      if (d < -1e-8 * maxDiag) throw new RangeError("cholesky: matrix is not positive semi-definite");
      continue; // column j stays zero
    }
    const ljj = Math.sqrt(d);
    L[j][j] = ljj;
    for (let i = j + 1; i < n; i++) {
      let s = a[i][j];
      for (let k = 0; k < j; k++) s -= L[i][k] * L[j][k];
      L[i][j] = s / ljj;
    }
  }
  return L;
}

/** Correlation matrix of a covariance matrix (0 where a variance is 0). */
export function correlationOf(cov: Matrix): Matrix {
  const n = cov.length;
  const sd = cov.map((row, i) => Math.sqrt(Math.max(0, row[i])));
  return cov.map((row, i) =>
    row.map((c, j) => (i === j ? 1 : sd[i] > 0 && sd[j] > 0 ? c / (sd[i] * sd[j]) : 0)),
  ).slice(0, n);
}

/** Covariance from volatilities and a correlation matrix: Σ_ij = ρ_ij σ_i σ_j. */
export function covarianceOf(sd: ArrayLike<number>, corr: Matrix): Matrix {
  return corr.map((row, i) => row.map((r, j) => r * sd[i] * sd[j]));
}

/** The correlation-one stress: keep every variance, set every correlation to 1 (Σ'_ij = σ_i σ_j). */
export function correlationOneStress(cov: Matrix): Matrix {
  const sd = cov.map((row, i) => Math.sqrt(Math.max(0, row[i])));
  return sd.map((si) => sd.map((sj) => si * sj));
}
