/** Link operations over a NETLINK_ROUTE client: each waits for the kernel's answer. */
import type { NetlinkClient } from './client.js';
import { RTM_NEWLINK, RTNLGRP_LINK } from './constants.js';
import { decodeError, type NlResult, ok } from './result.js';
import {
  createBatadvRequest, decodeLink, decodeLinkEvent, type Link, type LinkEvent, linkDeleteRequest, linkDumpRequest,
  linkGetRequest, linkSetMasterRequest, linkSetUpRequest,
} from './rtnl-link.js';

export class Rtnl {
  constructor(readonly client: NetlinkClient) {}

  async links(): Promise<NlResult<Link[]>> {
    const replies = await this.client.dump(linkDumpRequest());
    if (!replies.ok) return replies;
    const links: Link[] = [];
    for (const m of replies.value) {
      if (m.type !== RTM_NEWLINK) continue;
      const link = decodeLink(m);
      if (!link.ok) return link;
      links.push(link.value);
    }
    return ok(links);
  }

  /** One link by index or name; ENODEV (kernel error) when there is none. */
  async link(target: number | string): Promise<NlResult<Link>> {
    const replies = await this.client.request(linkGetRequest(target));
    if (!replies.ok) return replies;
    const m = replies.value.find((r) => r.type === RTM_NEWLINK);
    if (!m) return decodeError(`RTM_GETLINK ${target}: no link in the answer`);
    return decodeLink(m);
  }

  async setUp(index: number, up: boolean): Promise<NlResult<void>> {
    return ack(await this.client.request(linkSetUpRequest(index, up)));
  }

  /** Create a batadv mesh interface; EEXIST when the name is taken, EINVAL for an unknown algorithm. */
  async createBatadv(name: string, routingAlgo?: string): Promise<NlResult<void>> {
    return ack(await this.client.request(createBatadvRequest(name, routingAlgo)));
  }

  async delete(index: number): Promise<NlResult<void>> {
    return ack(await this.client.request(linkDeleteRequest(index)));
  }

  async setMaster(index: number, masterIndex: number): Promise<NlResult<void>> {
    return ack(await this.client.request(linkSetMasterRequest(index, masterIndex)));
  }

  /** Subscribe to link notifications; undecodable ones reach `onError`. */
  watchLinks(onEvent: (event: LinkEvent) => void, onError?: (message: string) => void): void {
    this.client.joinGroup(RTNLGRP_LINK);
    this.client.onEvent((m) => {
      const ev = decodeLinkEvent(m);
      if (ev === null) return;
      if (ev.ok) onEvent(ev.value);
      else onError?.(ev.error.message);
    });
  }
}

function ack(result: NlResult<unknown>): NlResult<void> {
  return result.ok ? ok(undefined) : result;
}
