import { z } from 'zod';

/** The object schema under a schema's pipes (`strictObject(...).pipe(...)`); undefined when there is none. */
export function objectSchemaOf(schema: z.ZodType): z.ZodObject | undefined {
  let s: z.ZodType = schema;
  for (let i = 0; i < 5; i++) {
    if (s instanceof z.ZodObject) return s;
    if (s instanceof z.ZodPipe) s = s.in as z.ZodType;
    else return undefined;
  }
  return undefined;
}

/** The value a field's `.default(...)` declares; undefined when it declares none. */
export function declaredDefault(field: z.ZodType | undefined): unknown {
  return field instanceof z.ZodDefault ? field.def.defaultValue : undefined;
}

/** The declared defaults of an object schema's top-level fields, by key. */
export function declaredDefaults(schema: z.ZodType): Record<string, unknown> {
  const shape = (objectSchemaOf(schema)?.shape ?? {}) as Record<string, z.ZodType>;
  const out: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(shape)) {
    const value = declaredDefault(field);
    if (value !== undefined) out[key] = value;
  }
  return out;
}
