import { describe, expect, it } from 'vitest';
import { lookupVar, lookupVarAll, unsetBecause, type VarDeclaration } from '../../src/checklist/interpolate.js';

const vars: Record<string, VarDeclaration> = {
  DATABASE_URL: { default: 'postgresql://${POSTGRES_USER}:${POSTGRES_PASSWORD}@${POSTGRES_SERVER}:${POSTGRES_PORT}/${POSTGRES_DB}' },
  POSTGRES_PORT: { default: '5432' },
  A: { default: '${B}-a' },
  B: { default: '${A}-b' },
  LITERAL: { default: 'cost $${PRICE}' },
};
const parts = { POSTGRES_USER: 'app', POSTGRES_PASSWORD: 'pw', POSTGRES_SERVER: 'db', POSTGRES_DB: 'social_flow' };

describe('a declared default built from other variables', () => {
  it('expands its references, their own defaults included', () => {
    expect(lookupVar('DATABASE_URL', parts, vars)).toBe('postgresql://app:pw@db:5432/social_flow');
    expect(lookupVarAll('DATABASE_URL', parts, vars)).toEqual([
      { source: 'DATABASE_URL', value: 'postgresql://app:pw@db:5432/social_flow', isDefault: true },
    ]);
    expect(lookupVar('DATABASE_URL', { ...parts, DATABASE_URL: 'postgresql://x@y/z' }, vars)).toBe('postgresql://x@y/z');
    expect(lookupVar('LITERAL', {}, vars)).toBe('cost ${PRICE}');
  });

  it('leaves the variable unset when a part is unset, and says which part', () => {
    const { POSTGRES_PASSWORD: _, ...rest } = parts;
    expect(lookupVar('DATABASE_URL', rest, vars)).toBeUndefined();
    expect(lookupVarAll('DATABASE_URL', rest, vars)).toEqual([]);
    expect(unsetBecause('DATABASE_URL', {}, rest, vars)).toBe(
      'DATABASE_URL is not set, nor every part its default is built from: POSTGRES_PASSWORD is not set',
    );
    // none of the parts set: simply not set
    expect(unsetBecause('DATABASE_URL', {}, {}, vars)).toBeUndefined();
  });

  it('a cycle of defaults resolves to unset instead of looping', () => {
    expect(lookupVar('A', {}, vars)).toBeUndefined();
    expect(lookupVar('A', { B: 'x' }, vars)).toBe('x-a');
  });
});
