/**
 * Netlink message framing: split a datagram into messages and decode the control
 * messages (NLMSG_ERROR acks/errors with extended ACK TLVs, NLMSG_DONE).
 * Every length is checked against the bytes actually present.
 */
import { align4, readS32, readU16, readU32, viewOf } from './bytes.js';
import { NLM_F_ACK_TLVS, NLM_F_CAPPED, NLMSG_HDRLEN } from './constants.js';
import { decodeExtendedAck } from './extack.js';
import { errnoName } from './errno.js';
import { decodeError, type ExtendedAck, type NlResult, ok } from './result.js';

export interface NetlinkHeader {
  /** nlmsg_len: header + payload, without trailing alignment padding. */
  length: number;
  type: number;
  flags: number;
  seq: number;
  pid: number;
}

export interface NetlinkMessage extends NetlinkHeader {
  /** The bytes after the 16-byte header (a view into the datagram, not a copy). */
  payload: Uint8Array;
}

export function decodeHeader(bytes: Uint8Array, offset = 0): NlResult<NetlinkHeader> {
  if (offset < 0 || bytes.length - offset < NLMSG_HDRLEN) return decodeError(`netlink header: need 16 bytes, have ${Math.max(0, bytes.length - offset)}`);
  const view = viewOf(bytes);
  return ok({
    length: readU32(view, offset),
    type: readU16(view, offset + 4),
    flags: readU16(view, offset + 6),
    seq: readU32(view, offset + 8),
    pid: readU32(view, offset + 12),
  });
}

/**
 * Split one received datagram into its messages. A length shorter than the header or
 * running past the datagram is an error; so are 1..15 trailing bytes (not a header).
 */
export function splitMessages(datagram: Uint8Array): NlResult<NetlinkMessage[]> {
  const messages: NetlinkMessage[] = [];
  const view = viewOf(datagram);
  let offset = 0;
  while (offset < datagram.length) {
    if (datagram.length - offset < NLMSG_HDRLEN) return decodeError(`message at offset ${offset}: netlink header: need 16 bytes, have ${datagram.length - offset}`);
    const length = readU32(view, offset);
    if (length < NLMSG_HDRLEN) return decodeError(`message at offset ${offset}: length ${length} is shorter than the header`);
    if (length > datagram.length - offset) {
      return decodeError(`message at offset ${offset}: length ${length} runs past the datagram (${datagram.length - offset} bytes left)`);
    }
    // Built in one literal (not decodeHeader + spread): this runs for every dump entry.
    messages.push({
      length,
      type: readU16(view, offset + 4),
      flags: readU16(view, offset + 6),
      seq: readU32(view, offset + 8),
      pid: readU32(view, offset + 12),
      payload: datagram.subarray(offset + NLMSG_HDRLEN, offset + length),
    });
    // The last message may omit its alignment padding.
    offset = Math.min(datagram.length, offset + align4(length));
  }
  return ok(messages);
}

/** A decoded NLMSG_ERROR: errno 0 is an ACK. */
export interface ErrorMessage {
  /** Positive errno, 0 for success. */
  errno: number;
  code: string | undefined;
  /** Header of the request this answers, when echoed. */
  request: NetlinkHeader | undefined;
  extack: ExtendedAck | undefined;
}

/**
 * struct nlmsgerr: s32 error, then the request's nlmsghdr, then its payload unless the
 * ACK was capped (NLM_F_CAPPED, NETLINK_CAP_ACK) or is a success, then extended ACK
 * TLVs when NLM_F_ACK_TLVS is set.
 */
export function decodeErrorMessage(message: NetlinkMessage): NlResult<ErrorMessage> {
  const p = message.payload;
  if (p.length < 4) return decodeError(`NLMSG_ERROR: payload of ${p.length} bytes has no error code`);
  const view = viewOf(p);
  const raw = readS32(view, 0);
  if (raw > 0) return decodeError(`NLMSG_ERROR: positive error code ${raw}`);
  const errno = -raw;
  let request: NetlinkHeader | undefined;
  let extack: ExtendedAck | undefined;
  if (p.length >= 4 + NLMSG_HDRLEN) {
    const h = decodeHeader(p, 4);
    if (!h.ok) return h;
    request = h.value;
    if (message.flags & NLM_F_ACK_TLVS) {
      const echoed = errno !== 0 && !(message.flags & NLM_F_CAPPED);
      if (echoed && request.length < NLMSG_HDRLEN) return decodeError(`NLMSG_ERROR: echoed request length ${request.length} is too short`);
      const tlvStart = 4 + (echoed ? align4(request.length) : NLMSG_HDRLEN);
      if (tlvStart > p.length) return decodeError(`NLMSG_ERROR: echoed request (${request.length} bytes) runs past the message`);
      const decoded = decodeExtendedAck(p.subarray(tlvStart));
      if (!decoded.ok) return decoded;
      extack = decoded.value;
    }
  }
  return ok({ errno, code: errno ? errnoName(errno) : undefined, request, extack });
}

/** NLMSG_DONE: s32 status (negative errno when the dump failed) and optional extack TLVs. */
export function decodeDoneMessage(message: NetlinkMessage): NlResult<{ errno: number; extack: ExtendedAck | undefined }> {
  const p = message.payload;
  // Some old kernels and non-kernel peers send an empty DONE: treat it as success.
  if (p.length === 0) return ok({ errno: 0, extack: undefined });
  if (p.length < 4) return decodeError(`NLMSG_DONE: payload of ${p.length} bytes`);
  const raw = readS32(viewOf(p), 0);
  let extack: ExtendedAck | undefined;
  if (message.flags & NLM_F_ACK_TLVS) {
    const decoded = decodeExtendedAck(p.subarray(4));
    if (!decoded.ok) return decoded;
    extack = decoded.value;
  }
  return ok({ errno: raw < 0 ? -raw : 0, extack });
}
