/**
 * The batadv generic netlink family on one mesh interface: every request carries
 * BATADV_ATTR_MESH_IFINDEX; replies are decoded with the batadv policy.
 */
import type { GenlFamily, GenlResolver } from '../netlink/genl.js';
import { decodeGenl, genlRequest } from '../netlink/genl.js';
import type { NetlinkMessage } from '../netlink/message.js';
import { decodeWithPolicy, nativeDumpFastPath } from '../netlink/policy.js';
import { decodeError, type NlResult, ok } from '../netlink/result.js';
import { GENL_HDRLEN } from '../netlink/constants.js';
import type { MessageWriter } from '../netlink/writer.js';
import { BATADV_ATTR, BATADV_GENL_VERSION, BATADV_NL_MCAST_GROUP_CONFIG, BATADV_NL_NAME } from './constants.js';
import { BATADV_POLICY, type BatadvAttrs } from './policy.js';

/** One decoded batadv message with its command. */
export interface BatadvMessage {
  cmd: number;
  attrs: BatadvAttrs;
}

export class Batadv {
  constructor(
    readonly resolver: GenlResolver,
    readonly family: GenlFamily,
    readonly meshIfindex: number,
  ) {}

  /** Resolve the family (fails with kind 'unsupported' when batman-adv is not loaded). */
  static async open(resolver: GenlResolver, meshIfindex: number): Promise<NlResult<Batadv>> {
    const family = await resolver.resolve(BATADV_NL_NAME);
    if (!family.ok) return family;
    return ok(new Batadv(resolver, family.value, meshIfindex));
  }

  /** A request for this mesh: genl header + MESH_IFINDEX; `fill` adds more attributes. */
  build(cmd: number, fill?: (w: MessageWriter) => void): Uint8Array {
    const w = genlRequest(this.family.id, cmd, BATADV_GENL_VERSION).attrU32(BATADV_ATTR.MESH_IFINDEX, this.meshIfindex);
    fill?.(w);
    return w.finish();
  }

  /** A doit command; resolves with the decoded replies (none for SET commands). */
  async request(cmd: number, fill?: (w: MessageWriter) => void): Promise<NlResult<BatadvMessage[]>> {
    const replies = await this.resolver.client.request(this.build(cmd, fill));
    return replies.ok ? decodeAll(replies.value, cmd) : replies;
  }

  /** A dumpit command; resolves with every decoded entry of command `cmd`. */
  async dump(cmd: number, fill?: (w: MessageWriter) => void): Promise<NlResult<BatadvMessage[]>> {
    const replies = await this.resolver.client.dump(this.build(cmd, fill));
    return replies.ok ? decodeAll(replies.value, cmd) : replies;
  }

  /** Dump `cmd` and parse every entry; the first entry that does not parse fails the whole dump. */
  async dumpEach<T>(cmd: number, parse: (a: BatadvAttrs) => NlResult<T>, fill?: (w: MessageWriter) => void): Promise<NlResult<T[]>> {
    // This runs for every originator entry of every cycle. On our runtime the native
    // decoder takes the plain entries straight from the datagrams (no message objects);
    // whatever it leaves, and everything on Node, is decoded here message by message.
    const fast = nativeDumpFastPath(BATADV_POLICY, this.family.id, cmd, GENL_HDRLEN);
    const replies = await this.resolver.client.dump(this.build(cmd, fill), fast ? { fastPath: fast.fastPath } : undefined);
    if (!replies.ok) return replies;
    const out: T[] = [];
    if (fast) {
      for (const a of fast.items) {
        const parsed = parse(a);
        if (!parsed.ok) return parsed;
        out.push(parsed.value);
      }
    }
    for (const m of replies.value) {
      const p = m.payload;
      if (p.length < GENL_HDRLEN) return decodeError(`generic netlink message of ${p.length} bytes has no ${GENL_HDRLEN}-byte header`);
      const c = p[0] as number;
      if (c !== cmd) continue; // batctl ignores messages of other commands in a dump; so do we
      const attrs = decodeWithPolicy(p, BATADV_POLICY, commandLabel(c), GENL_HDRLEN);
      if (!attrs.ok) return attrs;
      const parsed = parse(attrs.value);
      if (!parsed.ok) return parsed;
      out.push(parsed.value);
    }
    return ok(out);
  }

  /** Join the "config" multicast group (SET_MESH / SET_HARDIF / SET_VLAN notifications). */
  joinConfigGroup(): Promise<NlResult<number>> {
    return this.resolver.joinGroup(BATADV_NL_NAME, BATADV_NL_MCAST_GROUP_CONFIG);
  }
}

/** "batadv command N" for error messages, made once rather than per entry. */
const COMMAND_LABELS: string[] = Array.from({ length: 64 }, (_, cmd) => `batadv command ${cmd}`);
const commandLabel = (cmd: number): string => COMMAND_LABELS[cmd] ?? `batadv command ${cmd}`;

/** Decode a batadv genl message (any command). */
export function decodeBatadvMessage(message: NetlinkMessage): NlResult<BatadvMessage> {
  const genl = decodeGenl(message);
  if (!genl.ok) return genl;
  const attrs = decodeWithPolicy(genl.value.attributes, BATADV_POLICY, commandLabel(genl.value.cmd));
  if (!attrs.ok) return attrs;
  return ok({ cmd: genl.value.cmd, attrs: attrs.value });
}

function decodeAll(messages: NetlinkMessage[], cmd: number): NlResult<BatadvMessage[]> {
  const out: BatadvMessage[] = [];
  for (const m of messages) {
    const decoded = decodeBatadvMessage(m);
    if (!decoded.ok) return decoded;
    // batctl ignores messages of other commands in a dump; so do we.
    if (decoded.value.cmd === cmd) out.push(decoded.value);
  }
  return ok(out);
}
