import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProbeError } from '../../../src/errors.js';
import prometheus from '../../../src/probes/prometheus/index.js';
import { closedPort } from '../../support/ports.js';
import { startPrometheus, type FakePrometheus } from '../../support/prometheus-server.js';
import { probeError, runProbe } from '../../support/probe-run.js';
import { runItems } from '../../support/run-checklist.js';
import { startSilentServer, type SilentServer } from '../../support/ports.js';

const NOW = 1767225600.123;
const ERROR_RATE = 'sum(rate(http_requests_total{status=~"5.."}[5m])) / sum(rate(http_requests_total[5m]))';
const CANARY_ERROR_RATE =
  'sum(rate(http_requests_total{status=~"5..",track="canary"}[5m])) / sum(rate(http_requests_total{track="canary"}[5m]))';
const PASSWORD = 'prom-Pa55word-xyz';

let prom: FakePrometheus;
let proxied: FakePrometheus;
let silent: SilentServer;

beforeAll(async () => {
  [prom, proxied, silent] = await Promise.all([
    startPrometheus({
      queries: {
        [ERROR_RATE]: { resultType: 'vector', result: [{ metric: {}, value: [NOW, '0.004'] }] },
        [CANARY_ERROR_RATE]: { resultType: 'vector', result: [{ metric: {}, value: [NOW, '0.023'] }] },
        up: {
          resultType: 'vector',
          result: [
            { metric: { __name__: 'up', job: 'api', instance: 'api-0:8000' }, value: [NOW, '1'] },
            { metric: { __name__: 'up', job: 'api', instance: 'api-1:8000' }, value: [NOW, '0'] },
          ],
        },
        'scalar(sum(up))': { resultType: 'scalar', result: [NOW, '2'] },
        'sum(rate(nothing_total[5m])) / sum(rate(nothing_total[5m]))': {
          resultType: 'vector',
          result: [{ metric: {}, value: [NOW, 'NaN'] }],
        },
        'histogram_quantile(0.99, rate(slow_bucket[5m]))': { resultType: 'vector', result: [{ metric: {}, value: [NOW, '+Inf'] }] },
        'ln(vector(0))': { resultType: 'vector', result: [{ metric: {}, value: [NOW, '-Inf'] }] },
        'scalar(vector(0) / 0)': { resultType: 'scalar', result: [NOW, 'NaN'] },
        'up[1m]': {
          resultType: 'matrix',
          result: [
            {
              metric: { job: 'api' },
              values: [
                [NOW - 30, '1'],
                [NOW, '0'],
              ],
            },
          ],
        },
        'sum(': { status: 400, errorType: 'bad_data', error: 'invalid parameter "query": 1:5: parse error: unclosed left parenthesis' },
        'count(huge_series)': {
          status: 422,
          errorType: 'execution',
          error: 'query processing would load too many samples into memory\nin query execution',
        },
      },
      warnings: [],
    }),
    startPrometheus({
      queries: { up: { resultType: 'vector', result: [{ metric: { job: 'api' }, value: [NOW, '1'] }] } },
      prefix: '/prometheus',
      authorization: `Basic ${Buffer.from(`grafana:${PASSWORD}`).toString('base64')}`,
    }),
    startSilentServer(),
  ]);
});

afterAll(async () => {
  await Promise.all([prom?.close(), proxied?.close(), silent?.close()]);
});

const item = (id: string, body: string) =>
  `      - id: ${id}\n        title: ${id}\n        probe:\n${body.replace(/^/gm, '          ')}\n`;

describe('prometheus probe', () => {
  it('gates on an error rate below 1% with the value of a single-sample vector', async () => {
    const gate = (id: string, query: string) => item(id, `kind: prometheus\nquery: '${query}'\nexpect:\n  - value < 1%`);
    const { item: result } = await runItems(gate('stable', ERROR_RATE) + gate('canary', CANARY_ERROR_RATE), {
      env: { PROMETHEUS_URL: prom.url },
    });
    expect(result('stable')).toMatchObject({ status: 'pass', observations: { value: 0.004, result_type: 'vector' } });
    expect(result('canary')).toMatchObject({ status: 'fail', message: 'value < 1% (got 0.023)' });
  });

  it('reports every sample with its labels, and no single value when there are several', async () => {
    const out = await runProbe(prometheus, { url: prom.url, query: 'up' });
    expect(out.observations).toEqual({
      result_type: 'vector',
      value: null,
      samples: [
        { labels: { __name__: 'up', job: 'api', instance: 'api-0:8000' }, value: 1 },
        { labels: { __name__: 'up', job: 'api', instance: 'api-1:8000' }, value: 0 },
      ],
      warnings: [],
    });
    expect(out.problems).toEqual([]);
    expect(out.summary).toBe('vector with 2 samples');
  });

  it('reads scalar and range-vector results', async () => {
    expect((await runProbe(prometheus, { url: prom.url, query: 'scalar(sum(up))' })).observations).toMatchObject({
      result_type: 'scalar',
      value: 2,
      samples: [],
    });
    expect((await runProbe(prometheus, { url: prom.url, query: 'up[1m]' })).observations).toMatchObject({
      result_type: 'matrix',
      samples: [{ labels: { job: 'api' }, values: [1, 0] }],
    });
  });

  it('fails the built-in check on an empty result, and keeps NaN from passing a < gate', async () => {
    const empty = await runProbe(prometheus, { url: prom.url, query: 'absent_metric' });
    expect(empty.observations).toMatchObject({ value: null, samples: [] });
    expect(empty.problems).toEqual(['the query returned no samples: absent_metric']);
    const { item: result } = await runItems(
      item(
        'no-traffic',
        `kind: prometheus\nurl: ${prom.url}\nquery: 'sum(rate(nothing_total[5m])) / sum(rate(nothing_total[5m]))'\nexpect:\n  - value < 1%`,
      ),
    );
    expect(result('no-traffic')).toMatchObject({ status: 'fail', message: 'value < 1% (got NaN)' });
  });

  it('reads NaN, +Inf and -Inf as numbers, which no comparison lets pass', async () => {
    const value = async (query: string): Promise<unknown> => (await runProbe(prometheus, { url: prom.url, query })).observations.value;
    expect(await value('sum(rate(nothing_total[5m])) / sum(rate(nothing_total[5m]))')).toBeNaN();
    expect(await value('histogram_quantile(0.99, rate(slow_bucket[5m]))')).toBe(Infinity);
    expect(await value('ln(vector(0))')).toBe(-Infinity);
    expect(await value('scalar(vector(0) / 0)')).toBeNaN();
    const { item: result, log } = await runItems(
      [
        item(
          'p99',
          `kind: prometheus\nurl: ${prom.url}\nquery: 'histogram_quantile(0.99, rate(slow_bucket[5m]))'\nexpect:\n  - value < 0.5`,
        ),
        item('negative', `kind: prometheus\nurl: ${prom.url}\nquery: 'ln(vector(0))'\nexpect:\n  - value <= 0.01`),
        item('nan-named', `kind: prometheus\nurl: ${prom.url}\nquery: 'scalar(vector(0) / 0)'\nexpect:\n  - value == "NaN"`),
      ].join(''),
    );
    expect(result('p99')).toMatchObject({ status: 'fail', message: 'value < 0.5 (got +Inf)' });
    expect(result('negative')).toMatchObject({ status: 'fail', message: 'value <= 0.01 (got -Inf)' });
    expect(result('nan-named').status).toBe('pass');
    // JSON has no NaN: the run log names it rather than writing null
    expect(log.items.find((i) => i.id === 'p99')!.observations.value).toBe('+Inf');
  });

  it('says why a vector of several samples has no single value', async () => {
    const { item: result } = await runItems(item('up', `kind: prometheus\nurl: ${prom.url}\nquery: up\nexpect:\n  - value >= 1`));
    expect(result('up')).toMatchObject({
      status: 'fail',
      message:
        'value >= 1 (got null: the vector has 2 samples, so there is no single value: aggregate them in the query (sum, max by) or read samples.0.value)',
    });
  });

  it('sends the query, the evaluation time and a server-side timeout', async () => {
    await runProbe(prometheus, { url: prom.url, query: 'up', time: '2026-01-01T00:00:00Z' }, { timeoutMs: 7000 });
    expect(prom.requests.at(-1)).toEqual({ query: 'up', time: '2026-01-01T00:00:00Z', timeout: '7s' });
  });

  it('turns a Prometheus error into one line: a bad query is a configuration error', async () => {
    const bad = await probeError(prometheus, { url: prom.url, query: 'sum(' });
    expect(bad.error).toBeInstanceOf(ProbeError);
    expect(bad.error.message).toBe(
      `Prometheus at ${prom.url} rejected the query: bad_data: invalid parameter "query": 1:5: parse error: unclosed left parenthesis`,
    );
    const heavy = await probeError(prometheus, { url: prom.url, query: 'count(huge_series)' });
    expect(heavy.error).not.toBeInstanceOf(ProbeError);
    expect(heavy.error.message).toBe(
      `Prometheus at ${prom.url} rejected the query: execution: query processing would load too many samples into memory in query execution`,
    );
  });

  it('says when the URL is not a Prometheus API', async () => {
    const { error } = await probeError(prometheus, { url: `${prom.url}/grafana`, query: 'up' });
    expect(error.message).toBe(`${prom.url}/grafana answered 404 without a Prometheus API response (is this the Prometheus base URL?)`);
  });

  it('uses ${PROMETHEUS_URL} by default and fails naming it when unset', async () => {
    const { item: result } = await runItems(item('unset', `kind: prometheus\nquery: up`));
    expect(result('unset')).toMatchObject({ status: 'fail', message: 'PROMETHEUS_URL is not set' });
  });

  it('reaches Prometheus behind a path prefix with credentials from the URL or auth:', async () => {
    const withCreds = proxied.url.replace('http://', `http://grafana:${PASSWORD}@`);
    expect((await runProbe(prometheus, { url: `${withCreds}/prometheus`, query: 'up' })).observations.value).toBe(1);
    expect(
      (await runProbe(prometheus, { url: `${proxied.url}/prometheus/`, query: 'up', auth: { user: 'grafana', password: PASSWORD } }))
        .observations.value,
    ).toBe(1);
  });

  it('never shows the password when credentials are refused or the server is down', async () => {
    const wrong = 'wrong-Pa55word-abc';
    const { error } = await probeError(prometheus, {
      url: `${proxied.url.replace('http://', `http://grafana:${wrong}@`)}/prometheus`,
      query: 'up',
    });
    expect(error.message).toBe(
      `${proxied.url.replace('http://', 'http://grafana:***@')}/prometheus answered 401 without a Prometheus API response (are credentials needed?)`,
    );
    const port = await closedPort();
    const down = await probeError(prometheus, { url: `http://grafana:${wrong}@127.0.0.1:${port}`, query: 'up' });
    expect(down.error.message).toBe(`connection refused at 127.0.0.1:${port}`);
    const { item: result } = await runItems(
      item('proxied', `kind: prometheus\nurl: ${proxied.url}/prometheus\nquery: up\nauth:\n  user: grafana\n  password: ${wrong}`),
    );
    expect(result('proxied').status).toBe('fail');
    expect(JSON.stringify(result('proxied'))).not.toContain(wrong);
  });

  it('gives up on a Prometheus that accepts and never answers when the timeout passes', async () => {
    const { error, ms } = await probeError(prometheus, { url: `http://127.0.0.1:${silent.port}`, query: 'up' }, { timeoutMs: 300 });
    expect(error.message).toBe(`127.0.0.1:${silent.port} did not answer: timed out after 300ms`);
    expect(ms).toBeLessThan(5000);
  });
});
