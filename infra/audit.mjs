// Run graphql-http's GraphQL-over-HTTP server audit against a running endpoint.
// usage:  node infra/audit.mjs http://127.0.0.1:4000/graphql
// stdout: {"url": "...", "counts": {"ok": n, "notice": n, "warn": n, "error": n},
//          "results": [{"id", "name", "status", "reason"?, "responseStatus"?, "responseBody"?}]}
// exit:   0 when the audit ran (whatever its findings), 2 on bad usage or a fatal failure.
import { auditServer } from "graphql-http";

const url = process.argv[2];
if (!url || !/^https?:\/\//.test(url)) {
  process.stderr.write("usage: node infra/audit.mjs <http(s) URL of the /graphql endpoint>\n");
  process.exit(2);
}

// A failed audit carries a fetch Response; keep what a reader needs to see why it failed.
async function describe(result) {
  const { id, name, status } = result;
  if (status === "ok") return { id, name, status };
  const described = { id, name, status, reason: result.reason };
  if (result.response) {
    described.responseStatus = result.response.status;
    try {
      described.responseBody = (await result.response.text()).slice(0, 2000);
    } catch {
      // The audit may already have read the body; the status and reason still say enough.
    }
  }
  return described;
}

try {
  const results = await Promise.all((await auditServer({ url })).map(describe));
  const counts = { ok: 0, notice: 0, warn: 0, error: 0 };
  for (const result of results) counts[result.status] += 1;
  process.stdout.write(JSON.stringify({ url, counts, results }));
} catch (err) {
  // auditServer throws only on fatal problems (the server unreachable, say).
  process.stderr.write(`audit failed: ${err?.stack ?? err}\n`);
  process.exit(2);
}
