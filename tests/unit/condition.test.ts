import { describe, expect, it } from 'vitest';
import { evaluateCondition, isKnownObservation, parseCondition } from '../../src/checklist/condition.js';
import { SafeRegex } from '../../src/util/regex.js';

describe('condition language', () => {
  it('parses every operator with typed values and units', () => {
    expect(parseCondition('status == 200')).toMatchObject({ path: 'status', op: '==', value: 200 });
    expect(parseCondition('latency.p95 < 200ms')).toMatchObject({ op: '<', value: 200 });
    expect(parseCondition('newest.age <= 24h')).toMatchObject({ value: 86_400_000 });
    expect(parseCondition('days_remaining >= 14')).toMatchObject({ value: 14 });
    expect(parseCondition('error_rate < 1%')).toMatchObject({ value: 0.01 });
    expect(parseCondition('info.memory.used_memory < 1gb')).toMatchObject({ value: 1024 ** 3 });
    expect(parseCondition('json.status == "healthy"')).toMatchObject({ value: 'healthy' });
    expect(parseCondition("body contains 'ok'")).toMatchObject({ op: 'contains', value: 'ok' });
    expect(parseCondition('at_head == true')).toMatchObject({ value: true });
    expect(parseCondition('headers.strict-transport-security exists')).toMatchObject({ op: 'exists' });
    expect(parseCondition('pending == []')).toMatchObject({ value: [] });
    const re = parseCondition('stdout matches /^v\\d+/i').value;
    expect(re).toBeInstanceOf(SafeRegex);
    expect(String(re)).toBe('/^v\\d+/i');
  });

  it('rejects malformed conditions with a message that says what was expected', () => {
    expect(() => parseCondition('status 200')).toThrow(/expected "<observation> <op> <value>"/);
    expect(() => parseCondition('json.status == healthy')).toThrow(/did you mean "healthy"/);
    expect(() => parseCondition('latency_ms < fast')).toThrow(/expects a number/);
    expect(() => parseCondition('body matches /(/')).toThrow(/invalid regex/);
    expect(() => parseCondition('x == "unterminated')).toThrow(/unterminated or invalid string/);
  });

  it('evaluates against observations and explains a failure with the observed value', () => {
    const obs = {
      status: 503,
      headers: { 'x-frame-options': 'DENY' },
      json: { status: 'degraded', checks: { db: true } },
      tracked: { '.env': false },
      pending: ['a1', 'b2'],
    };
    expect(evaluateCondition(parseCondition('status == 200'), obs)).toMatchObject({ ok: false, message: 'status == 200 (got 503)' });
    expect(evaluateCondition(parseCondition('status >= 500'), obs).ok).toBe(true);
    expect(evaluateCondition(parseCondition('headers.X-Frame-Options == "DENY"'), obs).ok).toBe(true);
    expect(evaluateCondition(parseCondition('json.checks.db == true'), obs).ok).toBe(true);
    expect(evaluateCondition(parseCondition('tracked..env == false'), obs).ok).toBe(true);
    expect(evaluateCondition(parseCondition('pending.length == 2'), obs).ok).toBe(true);
    expect(evaluateCondition(parseCondition('pending contains "b2"'), obs).ok).toBe(true);
    expect(evaluateCondition(parseCondition('json.missing == 1'), obs)).toMatchObject({
      ok: false,
      message: 'json.missing == 1 (json.missing was not observed)',
    });
    expect(evaluateCondition(parseCondition('json.status matches /^heal/'), obs).ok).toBe(false);
  });

  it('holds when any alternative joined with || holds, and explains every alternative when none does', () => {
    const cond = parseCondition('info.persistence.aof_enabled == 1 || config.save != ""');
    expect(cond.or).toHaveLength(1);
    expect(evaluateCondition(cond, { info: { persistence: { aof_enabled: 0 } }, config: { save: '3600 1' } }).ok).toBe(true);
    expect(evaluateCondition(cond, { info: { persistence: { aof_enabled: 0 } }, config: { save: '' } })).toMatchObject({
      ok: false,
      message: 'info.persistence.aof_enabled == 1 (got 0) or config.save != "" (got "")',
    });
    expect(parseCondition('body == "a || b"').or).toBeUndefined();
    expect(parseCondition('body matches /x || y/').or).toBeUndefined();
    expect(() => parseCondition('status == 200 || nonsense')).toThrow(/expected "<observation> <op> <value>"/);
  });

  it('knows which observation paths a probe declares', () => {
    const patterns = ['status', 'headers.*', 'json.**', 'latency.p95'];
    expect(isKnownObservation('json.a.b.c', patterns)).toBe(true);
    expect(isKnownObservation('headers.x-frame-options', patterns)).toBe(true);
    expect(isKnownObservation('headers', patterns)).toBe(false);
    expect(isKnownObservation('statuss', patterns)).toBe(false);
    expect(isKnownObservation('latency.p95.length', patterns)).toBe(true);
  });
});

describe('wildcards: every value, or any', () => {
  const ready = (checks: Record<string, unknown>) => ({ json: { status: 'ready', checks } });

  it('holds json.checks.*.status == "healthy" only when every dependency is healthy, naming the ones that are not', () => {
    const cond = parseCondition('json.checks.*.status == "healthy"');
    expect(cond.quantifier).toBe('all');
    const healthy = { status: 'healthy', latency_ms: 1.2 };
    expect(evaluateCondition(cond, ready({ database: healthy, redis: healthy })).ok).toBe(true);
    expect(evaluateCondition(cond, ready({ database: healthy, redis: { status: 'unhealthy', error: 'refused' } }))).toMatchObject({
      ok: false,
      message: 'json.checks.*.status == "healthy" (json.checks.redis.status is "unhealthy")',
    });
    expect(evaluateCondition(cond, ready({ database: healthy, celery: { error: 'no workers' } })).message).toBe(
      'json.checks.*.status == "healthy" (json.checks.celery.status was not observed)',
    );
  });

  it('never holds over nothing: an empty or missing container fails', () => {
    const cond = parseCondition('json.checks.*.status == "healthy"');
    expect(evaluateCondition(cond, ready({}))).toMatchObject({
      ok: false,
      message: 'json.checks.*.status == "healthy" (json.checks has no entries)',
    });
    expect(evaluateCondition(cond, { json: { status: 'healthy' } }).message).toBe(
      'json.checks.*.status == "healthy" (json.checks was not observed)',
    );
    expect(evaluateCondition(parseCondition('llen.* < 1000'), { llen: {} }).ok).toBe(false);
  });

  it('"any" holds when at least one value does; lists and nested wildcards expand too', () => {
    const any = parseCondition('any json.checks.*.status == "unhealthy"');
    expect(any.quantifier).toBe('any');
    expect(evaluateCondition(any, ready({ a: { status: 'healthy' }, b: { status: 'unhealthy' } })).ok).toBe(true);
    expect(evaluateCondition(any, ready({ a: { status: 'healthy' } }))).toMatchObject({
      ok: false,
      message: 'any json.checks.*.status == "unhealthy" (none of 1 holds: json.checks.a.status is "healthy")',
    });
    const queues = { llen: { celery: 5000, email: 0, video_processing: 3 } };
    expect(evaluateCondition(parseCondition('llen.* < 1000'), queues).message).toBe('llen.* < 1000 (llen.celery is 5000)');
    expect(evaluateCondition(parseCondition('rows.*.n > 0'), { rows: [{ n: 1 }, { n: 0 }] }).message).toBe('rows.*.n > 0 (rows.1.n is 0)');
    expect(evaluateCondition(parseCondition('a.*.b.*.c == 1'), { a: { x: { b: { y: { c: 1 }, z: { c: 2 } } } } }).message).toBe(
      'a.*.b.*.c == 1 (a.x.b.z.c is 2)',
    );
    expect(evaluateCondition(parseCondition('json.checks.*.status == "healthy" || status == 200'), { status: 200, json: {} }).ok).toBe(
      true,
    );
  });

  it('rejects "any" or "all" without a wildcard, and lets a probe declare wildcard paths', () => {
    expect(() => parseCondition('any status == 200')).toThrow(/"any" needs a \* in the path/);
    expect(isKnownObservation('json.checks.*.status', ['json.**'])).toBe(true);
    expect(isKnownObservation('llen.*', ['llen.**'])).toBe(true);
  });
});
