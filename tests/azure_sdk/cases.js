// The compatibility cases of compat.js: a seasonal series with spikes, a flat
// series, a level shift, gaps under every impute mode, and every error code,
// through the SDK (v1.1-preview.1) and the REST client (v1.1, v1.0).
"use strict";

const HOUR = 3600 * 1000;
const START = Date.UTC(2021, 2, 1);

/** Deterministic noise: a sum of 12 uniforms from a linear congruential generator, sd 1. */
function noiseSource(seed) {
  let s = seed >>> 0;
  const uniform = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
  return () => {
    let sum = 0;
    for (let k = 0; k < 12; k++) sum += uniform();
    return sum - 6;
  };
}

/** n hourly points from 2021-03-01, value f(i); timestamps as Dates (the SDK's type). */
function hourly(n, f) {
  return Array.from({ length: n }, (_, i) => ({ timestamp: new Date(START + i * HOUR), value: f(i) }));
}

/** The same points for the REST client: ISO 8601 strings, as they go on the wire. */
const wire = (series) => series.map((p) => ({ timestamp: p.timestamp.toISOString(), value: p.value }));

function seasonal(n, seed, spikes = {}) {
  const noise = noiseSource(seed);
  return hourly(n, (i) => 100 + 10 * Math.sin((2 * Math.PI * i) / 24) + noise() + (spikes[i] || 0));
}

const indices = (flags) => flags.flatMap((f, i) => (f ? [i] : []));
const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);
const keys = (o) => Object.keys(o).sort().join(",");

const ENTIRE_KEYS = "expectedValues,isAnomaly,isNegativeAnomaly,isPositiveAnomaly,lowerMargins,period,severity,upperMargins";
const LAST_KEYS = "expectedValue,isAnomaly,isNegativeAnomaly,isPositiveAnomaly,lowerMargin,period,severity,suggestedWindow,upperMargin";

async function spikes(c, check) {
  const series = seasonal(336, 1, { 100: 15, 250: -15 });
  const e = await c.sdk.detectEntireSeries({ series, granularity: "hourly" });
  check("sdk", "entire, seasonal with spikes: period 24", e.period === 24, `period ${e.period}`);
  check("sdk", "entire: exactly the two spikes are anomalies", same(indices(e.isAnomaly), [100, 250]), indices(e.isAnomaly));
  check("sdk", "entire: the spike up is positive, the one down negative",
        e.isPositiveAnomaly[100] && !e.isNegativeAnomaly[100] && e.isNegativeAnomaly[250] && !e.isPositiveAnomaly[250]);
  check("sdk", "entire: severity is positive at the spikes only",
        e.severity[100] > 0 && e.severity[250] > 0 && e.severity.filter((s) => s > 0).length === 2);
  check("sdk", "entire: one expected value and margin per point",
        e.expectedValues.length === 336 && e.upperMargins.length === 336 && e.lowerMargins.length === 336);
  const r = await c.rest.path("/timeseries/entire/detect").post({ body: { series: wire(series), granularity: "hourly" } });
  check("rest", "entire: 200 with exactly the specification's keys", r.status === "200" && keys(r.body) === ENTIRE_KEYS, keys(r.body));
  check("rest", "entire: the same anomalies as through the SDK", same(indices(r.body.isAnomaly), [100, 250]));
  const old = await c.rest10.path("/timeseries/entire/detect").post({ body: { series: wire(series), granularity: "hourly" } });
  check("rest v1.0", "entire on /anomalydetector/v1.0: the same answer", old.status === "200" && same(old.body.isAnomaly, r.body.isAnomaly));
}

async function last(c, check) {
  const normal = seasonal(336, 2);
  const l = await c.sdk.detectLastPoint({ series: normal, granularity: "hourly" });
  check("sdk", "last, an ordinary last point: not anomalous", !l.isAnomaly && l.severity === 0, JSON.stringify(l));
  check("sdk", "last: period 24, suggestedWindow 4 periods + 1", l.period === 24 && l.suggestedWindow === 97);
  const spiked = seasonal(336, 2, { 335: 15 });
  const s = await c.sdk.detectLastPoint({ series: spiked, granularity: "hourly", sensitivity: 95 });
  check("sdk", "last, a spike at the end: a positive anomaly", s.isAnomaly && s.isPositiveAnomaly && !s.isNegativeAnomaly);
  check("sdk", "last: the spike lies outside expected + margin", spiked[335].value > s.expectedValue + s.upperMargin);
  const r = await c.rest.path("/timeseries/last/detect").post({ body: { series: wire(spiked), granularity: "hourly" } });
  check("rest", "last: 200 with exactly the specification's keys", r.status === "200" && keys(r.body) === LAST_KEYS, keys(r.body));
  check("rest", "last: the spike is anomalous", r.body.isAnomaly === true);
}

async function flat(c, check) {
  const series = hourly(100, () => 42);
  const e = await c.sdk.detectEntireSeries({ series, granularity: "hourly" });
  check("sdk", "entire, a flat series: no anomalies", indices(e.isAnomaly).length === 0);
  check("sdk", "entire, a flat series: expected values are the value", e.expectedValues.every((v) => v === 42));
  const l = await c.sdk.detectLastPoint({ series, granularity: "hourly" });
  check("sdk", "last, a flat series: not anomalous, no period", !l.isAnomaly && l.period === 0);
}

async function levelShift(c, check) {
  const noise = noiseSource(3);
  const series = hourly(240, (i) => 100 + noise() + (i >= 120 ? 10 : 0));
  const body = { series, granularity: "hourly", stableTrendWindow: 10, threshold: 0.99 };
  const cp = await c.sdk.detectChangePoint(body);
  const found = indices(cp.isChangePoint);
  check("sdk", "changepoint, a level shift at 120: found there and only there",
        found.length === 1 && Math.abs(found[0] - 120) <= 2, found);
  check("sdk", "changepoint: one confidence score per point, in [0, 1]",
        cp.confidenceScores.length === 240 && cp.confidenceScores.every((x) => x >= 0 && x <= 1));
  const r = await c.rest.path("/timeseries/changepoint/detect").post({ body: { ...body, series: wire(series) } });
  check("rest", "changepoint: 200 with period, isChangePoint, confidenceScores",
        r.status === "200" && keys(r.body) === "confidenceScores,isChangePoint,period", keys(r.body));
  check("rest", "changepoint: the same change point", same(indices(r.body.isChangePoint), found));
}

async function gaps(c, check) {
  const full = seasonal(72, 4);
  const series = full.filter((_, i) => i < 30 || i >= 36); // six hours missing
  for (const imputeMode of ["auto", "previous", "linear", "fixed", "zero", "notFill"]) {
    const e = await c.sdk.detectEntireSeries({ series, granularity: "hourly", imputeMode, imputeFixedValue: 100 });
    check("sdk", `entire with a gap, imputeMode ${imputeMode}: one answer per point given`,
          e.isAnomaly.length === series.length && e.expectedValues.length === series.length);
    if (["auto", "linear"].includes(imputeMode))
      check("sdk", `entire with a gap, imputeMode ${imputeMode}: no point flagged`, indices(e.isAnomaly).length === 0, indices(e.isAnomaly));
  }
  const r = await c.rest.path("/timeseries/last/detect").post({ body: { series: wire(series), granularity: "hourly", imputeMode: "previous" } });
  check("rest", "last with a gap, imputeMode previous: 200", r.status === "200");
}

module.exports = { noiseSource, hourly, wire, seasonal, async run(c, endpoint, check) {
  await spikes(c, check);
  await last(c, check);
  await flat(c, check);
  await levelShift(c, check);
  await gaps(c, check);
  await require("./errors").run(c, endpoint, check);
} };
