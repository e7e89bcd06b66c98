// A tiny static server for the web page, on 127.0.0.1 only.
//
//   node scripts/serve-web.mjs [--port 8080] [--root dist/web]     (npm run web builds first)
//   import { serveWeb } from "./serve-web.mjs"; const s = await serveWeb({ root, port: 0 });  (tests)
//
// Every response carries the strict Content-Security-Policy the page is written for (no inline script
// or style, no eval; 'wasm-unsafe-eval' is the one allowance, needed to compile the embedded kernel),
// and COOP/COEP so the page is cross-origin isolated (performance.now() then has ~5 µs resolution
// instead of 100 µs, which the µs timing display needs).
import { createServer } from "node:http";
import { readFile, stat } from "node:fs/promises";
import { extname, dirname, join, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");

export const CSP = [
  "default-src 'none'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "worker-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");

const TYPES = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".map": "application/json; charset=utf-8",
  ".wasm": "application/wasm",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
};

/**
 * @param {{ root?: string, port?: number, host?: string, csp?: string | null, quiet?: boolean }} [opts]
 *   csp: the Content-Security-Policy header (default CSP above; null sends none).
 * @returns {Promise<{ url: string, port: number, close: () => Promise<void> }>}
 */
export async function serveWeb(opts = {}) {
  const root = resolve(ROOT, opts.root ?? "dist/web");
  const host = opts.host ?? "127.0.0.1";
  const csp = opts.csp === undefined ? CSP : opts.csp;
  const server = createServer(async (req, res) => {
    const send = (code, body, type = "text/plain; charset=utf-8") => {
      res.writeHead(code, headers(type));
      res.end(req.method === "HEAD" ? undefined : body);
    };
    const headers = (type) => ({
      "content-type": type,
      "cache-control": "no-store",
      "x-content-type-options": "nosniff",
      "referrer-policy": "no-referrer",
      "cross-origin-opener-policy": "same-origin",
      "cross-origin-embedder-policy": "require-corp",
      "cross-origin-resource-policy": "same-origin",
      ...(csp ? { "content-security-policy": csp } : {}),
    });
    try {
      if (req.method !== "GET" && req.method !== "HEAD") return send(405, "method not allowed\n");
      let path = decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname);
      if (path.endsWith("/")) path += "index.html";
      const file = resolve(join(root, path));
      if (file !== root && !file.startsWith(root + sep)) return send(403, "forbidden\n");
      const st = await stat(file).catch(() => null);
      if (!st?.isFile()) return send(404, `not found: ${path}\n`);
      send(200, await readFile(file), TYPES[extname(file)] ?? "application/octet-stream");
    } catch (e) {
      send(400, `bad request: ${e instanceof Error ? e.message : e}\n`);
    }
  });
  await new Promise((ok, fail) => {
    server.once("error", fail);
    server.listen(opts.port ?? 8080, host, () => ok(undefined));
  });
  const port = /** @type {import("node:net").AddressInfo} */ (server.address()).port;
  const url = `http://${host}:${port}/`;
  if (!opts.quiet) console.log(`riskgrid web page: ${url}  (serving ${root}, Ctrl-C to stop)`);
  return {
    url, port,
    close: () => new Promise((ok) => {
      server.closeAllConnections?.();
      server.close(() => ok());
    }),
  };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const arg = (name) => {
    const i = process.argv.indexOf(`--${name}`);
    return i > 0 ? process.argv[i + 1] : undefined;
  };
  await serveWeb({ port: Number(arg("port") ?? process.env.PORT ?? 8080), root: arg("root") });
}
