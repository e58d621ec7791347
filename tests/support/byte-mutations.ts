/**
 * The format-blind mutations every fuzz corpus shares (netlink datagrams, DER
 * certificates): kind 0 flips a bit, 1 overwrites a byte, 2 truncates. The format-aware
 * ones (lying lengths, changed tags...) stay with each corpus.
 */
export const BLIND_MUTATIONS = 3;

export function blindMutation<T extends Uint8Array>(d: T, pick: (n: number) => number, kind: number): T {
  switch (kind) {
    case 0:
      if (d.length) {
        const at = pick(d.length);
        d[at] = (d[at] as number) ^ (1 << pick(8));
      }
      return d;
    case 1:
      if (d.length) d[pick(d.length)] = pick(256);
      return d;
    default:
      return d.slice(0, pick(d.length + 1)) as T;
  }
}
