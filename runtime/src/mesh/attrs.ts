/** Helpers shared by the batadv entry parsers. */
import { decodeError, type NetlinkError } from '../netlink/result.js';
import type { BatadvAttrs } from './policy.js';

/** batctl rejects entries without these; so do we, naming what is missing. */
export function missing(attrs: BatadvAttrs, keys: readonly (keyof BatadvAttrs)[], what: string): { ok: false; error: NetlinkError } | null {
  // Runs for every dump entry: no allocation unless something is missing.
  let i = 0;
  while (i < keys.length && attrs[keys[i] as keyof BatadvAttrs] !== undefined) i++;
  if (i === keys.length) return null;
  const absent = keys.filter((k) => attrs[k] === undefined);
  return decodeError(`${what}: missing attribute${absent.length > 1 ? 's' : ''} ${absent.join(', ')}`);
}

export function flagOn(value: number | undefined): boolean | undefined {
  return value === undefined ? undefined : value !== 0;
}
