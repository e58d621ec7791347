/**
 * Generic netlink: the genlmsghdr (u8 cmd, u8 version, u16 reserved), and family
 * resolution through the controller (CTRL_CMD_GETFAMILY), cached per client.
 */
import { decodeAttributes } from './attributes.js';
import type { NetlinkClient } from './client.js';
import { CTRL_ATTR_FAMILY_ID, CTRL_ATTR_FAMILY_NAME, CTRL_ATTR_HDRSIZE, CTRL_ATTR_MAXATTR, CTRL_ATTR_MCAST_GROUPS, CTRL_ATTR_MCAST_GRP_ID, CTRL_ATTR_MCAST_GRP_NAME, CTRL_ATTR_VERSION, CTRL_CMD_GETFAMILY, GENL_HDRLEN, GENL_ID_CTRL } from './constants.js';
import type { NetlinkMessage } from './message.js';
import { decodeWithPolicy } from './policy.js';
import { decodeError, fail, type NlResult, ok } from './result.js';
import { MessageWriter } from './writer.js';

export interface GenlMessage {
  cmd: number;
  version: number;
  /** Bytes after the genl header (and after a family header of `hdrSize` bytes). */
  attributes: Uint8Array;
}

/** Start a generic netlink message: nlmsghdr + genlmsghdr; add attributes, then finish(). */
export function genlRequest(familyId: number, cmd: number, version = 1): MessageWriter {
  return new MessageWriter(familyId).u8(cmd).u8(version).u16(0);
}

export function decodeGenl(message: NetlinkMessage, familyHdrSize = 0): NlResult<GenlMessage> {
  const p = message.payload;
  const start = GENL_HDRLEN + ((familyHdrSize + 3) & ~3);
  if (p.length < start) return decodeError(`generic netlink message of ${p.length} bytes has no ${start}-byte header`);
  return ok({ cmd: p[0] as number, version: p[1] as number, attributes: p.subarray(start) });
}

export interface GenlFamily {
  id: number;
  name: string;
  version: number;
  hdrSize: number;
  maxAttr: number;
  /** Multicast group name → group id (for joinGroup). */
  groups: ReadonlyMap<string, number>;
}

const FAMILY_POLICY = {
  [CTRL_ATTR_FAMILY_ID]: { key: 'id', kind: 'u16' },
  [CTRL_ATTR_FAMILY_NAME]: { key: 'name', kind: 'string' },
  [CTRL_ATTR_VERSION]: { key: 'version', kind: 'u32' },
  [CTRL_ATTR_HDRSIZE]: { key: 'hdrSize', kind: 'u32' },
  [CTRL_ATTR_MAXATTR]: { key: 'maxAttr', kind: 'u32' },
  [CTRL_ATTR_MCAST_GROUPS]: { key: 'groups', kind: 'binary' },
} as const;

const GROUP_POLICY = {
  [CTRL_ATTR_MCAST_GRP_NAME]: { key: 'name', kind: 'string' },
  [CTRL_ATTR_MCAST_GRP_ID]: { key: 'id', kind: 'u32' },
} as const;

/** Decode a CTRL_CMD_NEWFAMILY message (the answer to GETFAMILY). */
export function decodeFamily(message: NetlinkMessage): NlResult<GenlFamily> {
  const genl = decodeGenl(message);
  if (!genl.ok) return genl;
  const attrs = decodeWithPolicy(genl.value.attributes, FAMILY_POLICY, 'genl family');
  if (!attrs.ok) return attrs;
  const a = attrs.value;
  if (a.id === undefined || a.name === undefined) return decodeError('genl family: missing family id or name');
  const groups = new Map<string, number>();
  if (a.groups) {
    // An array of nests (index as type), each with a name and an id.
    const list = decodeAttributes(a.groups);
    if (!list.ok) return decodeError(`genl family groups: ${list.error.message}`);
    for (const entry of list.value) {
      const g = decodeWithPolicy(entry.data, GROUP_POLICY, 'genl multicast group');
      if (!g.ok) return g;
      if (g.value.name !== undefined && g.value.id !== undefined) groups.set(g.value.name, g.value.id);
    }
  }
  return ok({ id: a.id, name: a.name, version: a.version ?? 0, hdrSize: a.hdrSize ?? 0, maxAttr: a.maxAttr ?? 0, groups });
}

export function getFamilyRequest(name: string): Uint8Array {
  return genlRequest(GENL_ID_CTRL, CTRL_CMD_GETFAMILY, 1).attrString(CTRL_ATTR_FAMILY_NAME, name).finish();
}

/** Resolves family names on one NETLINK_GENERIC client and caches the answers. */
export class GenlResolver {
  private readonly cache = new Map<string, GenlFamily>();

  constructor(readonly client: NetlinkClient) {}

  /**
   * The family, from cache or the controller. A missing family (module not loaded)
   * is an `unsupported` error with code ENOENT.
   */
  async resolve(name: string): Promise<NlResult<GenlFamily>> {
    const cached = this.cache.get(name);
    if (cached) return ok(cached);
    const replies = await this.client.request(getFamilyRequest(name));
    if (!replies.ok) {
      if (replies.error.kind === 'kernel' && replies.error.code === 'ENOENT') {
        return fail('unsupported', `generic netlink family "${name}" not found (kernel module not loaded?)`, { errno: replies.error.errno, code: 'ENOENT' });
      }
      return replies;
    }
    const first = replies.value[0];
    if (!first) return decodeError(`genl controller sent no family for "${name}"`);
    const family = decodeFamily(first);
    if (!family.ok) return family;
    this.cache.set(name, family.value);
    return family;
  }

  /** Drop a cached family (e.g. after the module was reloaded: ids change). */
  forget(name: string): void {
    this.cache.delete(name);
  }

  /** Resolve a family and join one of its multicast groups by name. */
  async joinGroup(familyName: string, groupName: string): Promise<NlResult<number>> {
    const family = await this.resolve(familyName);
    if (!family.ok) return family;
    const id = family.value.groups.get(groupName);
    if (id === undefined) return fail('unsupported', `family "${familyName}" has no multicast group "${groupName}"`);
    this.client.joinGroup(id);
    return ok(id);
  }
}
