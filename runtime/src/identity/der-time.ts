/**
 * UTCTime and GeneralizedTime as RFC 5280 §4.1.2.5 allows them: UTC ("Z"), seconds
 * present, no fractions: "YYMMDDHHMMSSZ" (years 1950–2049) and "YYYYMMDDHHMMSSZ".
 */
import { type Tlv, tagName, TAG } from './der.js';
import { derError, type IdResult, ok } from './result.js';

function digits(v: Uint8Array, at: number, n: number): number {
  let x = 0;
  for (let i = at; i < at + n; i++) {
    const c = v[i] as number;
    if (c < 0x30 || c > 0x39) return -1;
    x = x * 10 + (c - 0x30);
  }
  return x;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/** Days from 0001-01-01 to January 1st of `year` (proleptic Gregorian). */
function daysBeforeYear(year: number): number {
  const y = year - 1;
  return y * 365 + Math.floor(y / 4) - Math.floor(y / 100) + Math.floor(y / 400);
}

const EPOCH_DAYS = daysBeforeYear(1970);

/** Milliseconds since the epoch of a checked UTC date and time (any year 0–9999). */
function epochMs(year: number, month: number, day: number, hour: number, minute: number, second: number): number {
  let days = daysBeforeYear(year) - EPOCH_DAYS + day - 1;
  for (let m = 1; m < month; m++) days += daysInMonth(year, m);
  return ((days * 24 + hour) * 60 + minute) * 60000 + second * 1000;
}

/** A UTCTime or GeneralizedTime as milliseconds since the epoch. */
export function readTime(tlv: Tlv, what: string): IdResult<number> {
  const v = tlv.value;
  let year: number;
  let at: number;
  if (tlv.tag === TAG.UTC_TIME) {
    if (v.length !== 13) return derError(`${what}: UTCTime must be YYMMDDHHMMSSZ (13 characters), got ${v.length}`);
    const yy = digits(v, 0, 2);
    year = yy < 0 ? -1 : yy >= 50 ? 1900 + yy : 2000 + yy;
    at = 2;
  } else if (tlv.tag === TAG.GENERALIZED_TIME) {
    if (v.length !== 15) return derError(`${what}: GeneralizedTime must be YYYYMMDDHHMMSSZ (15 characters), got ${v.length}`);
    year = digits(v, 0, 4);
    at = 4;
  } else {
    return derError(`${what}: expected a time, found ${tagName(tlv.tag)}`);
  }
  const month = digits(v, at, 2);
  const day = digits(v, at + 2, 2);
  const hour = digits(v, at + 4, 2);
  const minute = digits(v, at + 6, 2);
  const second = digits(v, at + 8, 2);
  if (v[at + 10] !== 0x5a) return derError(`${what}: time must end in Z (UTC)`);
  if (year < 0 || month < 0 || day < 0 || hour < 0 || minute < 0 || second < 0) return derError(`${what}: time has a non-digit`);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month) || hour > 23 || minute > 59 || second > 59) {
    return derError(`${what}: no such date or time`);
  }
  return ok(epochMs(year, month, day, hour, minute, second));
}
