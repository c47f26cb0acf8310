// Compatibility of model_server's Anomaly Detector endpoints with Azure's own
// JavaScript clients: @azure/ai-anomaly-detector 3.0.0-beta.5 (the SDK; it
// calls /anomalydetector/v1.1-preview.1) and @azure-rest/ai-anomaly-detector
// 1.0.0-beta.1 (the REST client; /anomalydetector/v1.1, and v1.0 here too).
// Starts the server binary given as the argument (a fresh data directory, a
// free port), drives every operation through both clients, prints one line per
// check and a summary, and exits 0 when all pass, 1 otherwise, 77 (skipped)
// when the clients are not installed (`scripts/setup test-clients`).
//   node tests/azure_sdk/compat.js build/model_server
"use strict";

const { spawn } = require("child_process");
const fs = require("fs");
const os = require("os");
const path = require("path");

let sdk, rest;
try {
  sdk = require("@azure/ai-anomaly-detector");
  sdk.AzureKeyCredential = require("@azure/core-auth").AzureKeyCredential; // what the SDK's README imports
  rest = require("@azure-rest/ai-anomaly-detector");
} catch (e) {
  console.log("skipped: the Azure clients are not installed (scripts/setup test-clients)");
  process.exit(77);
}
const cases = require("./cases");

/** Starts the server; resolves to { proc, port, dir }. */
function startServer(binary) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "azure_sdk_"));
  const proc = spawn(binary, ["--port=0", "--host=127.0.0.1", `--data-dir=${dir}/data`], {
    stdio: ["ignore", "ignore", "pipe"],
  });
  let log = "";
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${log}`)), 20000);
    proc.stderr.on("data", (chunk) => {
      log += chunk;
      const m = /listening on (?:[^:\s]+:)?(\d+)[,\s]/.exec(log);
      if (m) {
        clearTimeout(timer);
        resolve({ proc, port: Number(m[1]), dir });
      }
    });
    proc.on("exit", (code) => reject(new Error(`server exited (${code}):\n${log}`)));
  });
}

async function main() {
  const binary = process.argv[2] || process.env.MODEL_SERVER_BIN;
  if (!binary) {
    console.error("usage: node compat.js <model_server binary>");
    process.exit(2);
  }
  const server = await startServer(path.resolve(binary));
  const endpoint = `http://127.0.0.1:${server.port}`;
  const key = new sdk.AzureKeyCredential("any key: the server accepts it without checking");
  const clients = {
    sdk: new sdk.AnomalyDetectorClient(endpoint, key),
    // core-rest-pipeline refuses plain http unless told: a local server is http
    rest: rest.default(endpoint, key, { allowInsecureConnection: true }),
    rest10: rest.default(endpoint, key, { ApiVersion: "v1.0", allowInsecureConnection: true }),
  };
  const tally = { passed: 0, failed: 0, byClient: {} };
  const check = (client, name, ok, detail) => {
    const t = (tally.byClient[client] = tally.byClient[client] || { passed: 0, failed: 0 });
    if (ok) {
      tally.passed++;
      t.passed++;
    } else {
      tally.failed++;
      t.failed++;
    }
    console.log(`${ok ? "ok  " : "FAIL"} [${client}] ${name}${ok || !detail ? "" : ": " + detail}`);
  };
  try {
    await cases.run(clients, endpoint, check);
  } catch (e) {
    check("harness", "cases ran to the end", false, e.stack || String(e));
  } finally {
    server.proc.kill("SIGTERM");
    fs.rmSync(server.dir, { recursive: true, force: true });
  }
  for (const [client, t] of Object.entries(tally.byClient))
    console.log(`${client}: ${t.passed} passed, ${t.failed} failed`);
  console.log(`total: ${tally.passed} passed, ${tally.failed} failed`);
  process.exit(tally.failed === 0 ? 0 : 1);
}

main().catch((e) => {
  console.error(e.stack || String(e));
  process.exit(1);
});
