import { z } from 'zod';
import { parseDuration } from '../util/duration.js';

const NUMERIC = /^\s*-?\d+(?:\.\d+)?\s*$/;
const INTEGER = /^\s*-?\d+\s*$/;
const BOOLEAN = /^\s*(?:true|false|yes|no|on|off|1|0)\s*$/i;
const TRUE = /^\s*(?:true|yes|on|1)\s*$/i;

/**
 * A number, also written as a string (after `${VAR}` expansion).
 * @public for new probes: the helpers a probe's schema coerces `${VAR}` values with
 */
export const num = () =>
  z.union([z.number(), z.string().regex(NUMERIC, 'expected a number')], { error: 'expected a number' }).transform((v) => Number(v));

/** An integer, also written as a string (after `${VAR}` expansion). */
export const int = () =>
  z
    .union([z.int(), z.string().regex(INTEGER, 'expected a whole number')], { error: 'expected a whole number' })
    .transform((v) => Number(v))
    .pipe(z.int());

/** A port number 1-65535. */
export const port = () => int().pipe(z.int().min(1, 'expected a port 1-65535').max(65535, 'expected a port 1-65535'));

/** A boolean, also written `true/false/yes/no/on/off/1/0` (after `${VAR}` expansion). */
export const bool = () =>
  z
    .union([z.boolean(), z.string().regex(BOOLEAN, 'expected true or false')], { error: 'expected true or false' })
    .transform((v) => (typeof v === 'boolean' ? v : TRUE.test(v)));

/** A duration such as `250ms`, `10s`, `5m`, `2h`, parsed to milliseconds. */
export const duration = () =>
  z
    .string({ error: 'expected a duration such as 500ms, 10s, 5m or 2h' })
    .regex(/^\s*\d+(?:\.\d+)?(?:ms|s|m|h|d|w)\s*$/, 'expected a duration such as 500ms, 10s, 5m or 2h')
    .transform((v) => parseDuration(v)!);
