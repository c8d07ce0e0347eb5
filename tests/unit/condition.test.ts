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
