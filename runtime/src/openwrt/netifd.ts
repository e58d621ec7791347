/**
 * OpenWrt's names for a Linux interface. The agent sees kernel devices ("mesh0",
 * "wlan0-mesh"); netifd and the wifi script want their own names:
 *   `ubus call network.interface dump`  -> the logical interface whose device is it
 *     (e.g. "bat0_hardif_mesh0" with proto batadv_hardif, device "mesh0"), for
 *     `ubus call network.interface.<name> down|up`;
 *   `ubus call network.wireless status` -> the radio that carries it ("radio0"), for
 *     `wifi down|up <radio>`.
 * Both answers are JSON from netifd; anything unexpected is an error, never a throw.
 */

export type Resolved = { ok: true; name: string } | { ok: false; error: string };

/** Bound on the JSON we parse (a big router's dump is a few tens of KiB). */
export const MAX_NETIFD_JSON = 1 << 20;

function parseObject(text: string, what: string): { ok: true; value: Record<string, unknown> } | { ok: false; error: string } {
  if (text.length > MAX_NETIFD_JSON) return { ok: false, error: `${what}: ${text.length} bytes is more than ${MAX_NETIFD_JSON}` };
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    return { ok: false, error: `${what}: not JSON (${(e as Error).message})` };
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return { ok: false, error: `${what}: not a JSON object` };
  return { ok: true, value: v as Record<string, unknown> };
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The logical interface whose L3 device or device is `device`, from the text of
 * `ubus call network.interface dump`. A batadv_hardif interface wins over others with
 * the same device (that is the one that enslaves it to the mesh).
 */
export function netifdInterfaceFor(dumpJson: string, device: string): Resolved {
  const what = 'network.interface dump';
  const parsed = parseObject(dumpJson, what);
  if (!parsed.ok) return parsed;
  const list = parsed.value.interface;
  if (!Array.isArray(list)) return { ok: false, error: `${what}: no "interface" array` };
  const matches: { name: string; proto: unknown }[] = [];
  for (const entry of list) {
    if (!isRecord(entry) || typeof entry.interface !== 'string') continue;
    if (entry.l3_device === device || entry.device === device) matches.push({ name: entry.interface, proto: entry.proto });
  }
  const best = matches.find((m) => m.proto === 'batadv_hardif') ?? matches[0];
  return best ? { ok: true, name: best.name } : { ok: false, error: `no netifd interface has device ${device} (${what})` };
}

/** The radio ("radio0") with a wifi interface named `ifname`, from `ubus call network.wireless status`. */
export function radioFor(statusJson: string, ifname: string): Resolved {
  const what = 'network.wireless status';
  const parsed = parseObject(statusJson, what);
  if (!parsed.ok) return parsed;
  for (const [radio, state] of Object.entries(parsed.value)) {
    if (!isRecord(state) || !Array.isArray(state.interfaces)) continue;
    for (const iface of state.interfaces) {
      if (isRecord(iface) && iface.ifname === ifname) return { ok: true, name: radio };
    }
  }
  return { ok: false, error: `no radio has a wifi interface ${ifname} (${what})` };
}
