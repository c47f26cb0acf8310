// Every error code of the specification, through the SDK where it lets the
// request through (it checks required members and enums itself) and always
// through the REST client; a malformed body goes out through fetch.
"use strict";

const { hourly, wire, seasonal } = require("./cases");

const HOUR = 3600 * 1000;

function badSeries() {
  const base = seasonal(30, 9);
  const unsorted = base.slice();
  [unsorted[5], unsorted[6]] = [unsorted[6], unsorted[5]];
  const repeated = base.map((p, i) => (i === 7 ? { ...p, timestamp: base[6].timestamp } : p));
  const offGrid = base.map((p, i) => (i === 9 ? { ...p, timestamp: new Date(p.timestamp.getTime() + HOUR / 2) } : p));
  return {
    "too few points (11)": base.slice(0, 11),
    "too many points (8,641)": hourly(8641, (i) => i % 7),
    "timestamps not ascending": unsorted,
    "a duplicated timestamp": repeated,
    "a timestamp off the hourly grid": offGrid,
  };
}

/** [name, operation, body, code] the SDK can send. */
function sdkCases() {
  const ok = seasonal(30, 9);
  const out = Object.entries(badSeries()).map(([name, series]) => [name, "entire", { series, granularity: "hourly" }, "InvalidSeries"]);
  out.push(["4 periods needed", "last", { series: ok, granularity: "hourly", period: 8 }, "InvalidSeries"]);
  out.push(["sensitivity 100", "entire", { series: ok, granularity: "hourly", sensitivity: 100 }, "BadArgument"]);
  out.push(["maxAnomalyRatio 0.6", "last", { series: ok, granularity: "hourly", maxAnomalyRatio: 0.6 }, "BadArgument"]);
  out.push(["customInterval 0", "entire", { series: ok, granularity: "hourly", customInterval: 0 }, "InvalidCustomInterval"]);
  out.push(["period -1", "entire", { series: ok, granularity: "hourly", period: -1 }, "InvalidPeriod"]);
  out.push(["imputeMode mean", "entire", { series: ok, granularity: "hourly", imputeMode: "mean" }, "InvalidImputeMode"]);
  out.push(["imputeMode fixed without a value", "entire", { series: ok, granularity: "hourly", imputeMode: "fixed" }, "InvalidImputeFixedValue"]);
  out.push(["change points with granularity none", "changepoint", { series: ok, granularity: "none" }, "InvalidGranularity"]);
  out.push(["stableTrendWindow 1", "changepoint", { series: ok, granularity: "hourly", stableTrendWindow: 1 }, "BadArgument"]);
  out.push(["threshold 2", "changepoint", { series: ok, granularity: "hourly", threshold: 2 }, "BadArgument"]);
  return out;
}

const method = { entire: "detectEntireSeries", last: "detectLastPoint", changepoint: "detectChangePoint" };

async function throughSdk(c, check) {
  for (const [name, op, body, code] of sdkCases()) {
    try {
      await c.sdk[method[op]](body);
      check("sdk", `${op}, ${name}: ${code}`, false, "no error");
    } catch (e) {
      check("sdk", `${op}, ${name}: 400 ${code}`, e.statusCode === 400 && e.code === code, `${e.statusCode} ${e.code} ${e.message}`);
    }
  }
}

async function throughRest(c, check) {
  const ok = wire(seasonal(30, 9));
  const cases = sdkCases().map(([name, op, body, code]) => [name, op, { ...body, series: wire(body.series) }, code]);
  cases.push(["no series", "entire", { granularity: "hourly" }, "RequiredSeries"]);
  cases.push(["change points without a granularity", "changepoint", { series: ok }, "RequiredGranularity"]);
  cases.push(["granularity fortnightly", "last", { series: ok, granularity: "fortnightly" }, "InvalidGranularity"]);
  cases.push(["sensitivity as text", "entire", { series: ok, sensitivity: "high" }, "BadArgument"]);
  cases.push(["a body that is a JSON string", "entire", "series", "InvalidJsonFormat"]);
  for (const [name, op, body, code] of cases) {
    const r = await c.rest.path(`/timeseries/${op}/detect`).post({ body });
    check("rest", `${op}, ${name}: 400 ${code}, x-ms-error-code`,
          r.status === "400" && r.body.code === code && r.headers["x-ms-error-code"] === code
            && typeof r.body.message === "string" && Object.keys(r.body).length === 2,
          `${r.status} ${JSON.stringify(r.body)}`);
  }
}

async function malformed(endpoint, check) {
  const r = await fetch(`${endpoint}/anomalydetector/v1.1/timeseries/entire/detect`, {
    method: "POST", headers: { "Content-Type": "application/json", "Ocp-Apim-Subscription-Key": "k" }, body: '{"series": [',
  });
  const b = await r.json();
  check("rest (fetch)", "entire, malformed JSON: 400 InvalidJsonFormat", r.status === 400 && b.code === "InvalidJsonFormat", JSON.stringify(b));
}

module.exports = { async run(c, endpoint, check) {
  await throughSdk(c, check);
  await throughRest(c, check);
  await malformed(endpoint, check);
} };
