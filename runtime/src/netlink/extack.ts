/** Extended ACK TLVs (enum nlmsgerr_attrs) after an NLMSG_ERROR or NLMSG_DONE. */
import { decodeAttributes } from './attributes.js';
import { cString, readU32, viewOf } from './bytes.js';
import { NLMSGERR_ATTR_COOKIE, NLMSGERR_ATTR_MISS_NEST, NLMSGERR_ATTR_MISS_TYPE, NLMSGERR_ATTR_MSG, NLMSGERR_ATTR_OFFS } from './constants.js';
import { decodeError, type ExtendedAck, type NlResult, ok } from './result.js';

export function decodeExtendedAck(bytes: Uint8Array): NlResult<ExtendedAck> {
  const attrs = decodeAttributes(bytes);
  if (!attrs.ok) return decodeError(`extended ACK: ${attrs.error.message}`);
  const ack: ExtendedAck = {};
  for (const a of attrs.value) {
    switch (a.type) {
      case NLMSGERR_ATTR_MSG:
        ack.message = cString(a.data);
        break;
      case NLMSGERR_ATTR_OFFS:
      case NLMSGERR_ATTR_MISS_TYPE:
      case NLMSGERR_ATTR_MISS_NEST: {
        if (a.data.length !== 4) return decodeError(`extended ACK attribute ${a.type}: expected 4 bytes, got ${a.data.length}`);
        const v = readU32(viewOf(a.data), 0);
        if (a.type === NLMSGERR_ATTR_OFFS) ack.offset = v;
        else if (a.type === NLMSGERR_ATTR_MISS_TYPE) ack.missingType = v;
        else ack.missingNest = v;
        break;
      }
      case NLMSGERR_ATTR_COOKIE:
        ack.cookie = a.data.slice();
        break;
      default:
        break; // NLMSGERR_ATTR_POLICY and newer: not needed
    }
  }
  return ok(ack);
}
