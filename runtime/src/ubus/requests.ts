/**
 * The messages a libubus peer sends, byte for byte as libubus builds them (attribute
 * order included): LOOKUP, INVOKE, ADD_OBJECT with a signature, the DATA and STATUS
 * replies of an object, and the event calls to ubusd's object 1.
 */
import type { BlobWriter } from './blob.js';
import { type JsonObject, openTable, putInt32, putJsonFields, putString } from './blobmsg.js';
import {
  encodeMessage, UBUS_ATTR_DATA, UBUS_ATTR_METHOD, UBUS_ATTR_NO_REPLY, UBUS_ATTR_OBJID, UBUS_ATTR_OBJPATH, UBUS_ATTR_SIGNATURE,
  UBUS_ATTR_STATUS, UBUS_MSG_ADD_OBJECT, UBUS_MSG_DATA, UBUS_MSG_INVOKE, UBUS_MSG_LOOKUP, UBUS_MSG_STATUS, UBUS_SYSTEM_OBJECT_EVENT,
} from './message.js';

/** Method name → argument name → BLOBMSG_TYPE_* (advisory, shown by `ubus -v list`). */
export type UbusSignature = Record<string, Record<string, number>>;

/** DATA attribute holding a JSON object as a blobmsg list (always present, maybe empty). */
function putData(w: BlobWriter, args: JsonObject | ((w: BlobWriter) => void)): void {
  const t = w.start(UBUS_ATTR_DATA);
  if (typeof args === 'function') args(w);
  else putJsonFields(w, args);
  w.end(t);
}

export function lookupMessage(seq: number, path?: string): Uint8Array {
  return encodeMessage(UBUS_MSG_LOOKUP, seq, 0, (w) => {
    if (path !== undefined) w.putAttrString(UBUS_ATTR_OBJPATH, path);
  });
}

export function invokeMessage(seq: number, objid: number, method: string, args: JsonObject | ((w: BlobWriter) => void), noReply = false): Uint8Array {
  return encodeMessage(UBUS_MSG_INVOKE, seq, objid, (w) => {
    w.putAttrU32(UBUS_ATTR_OBJID, objid);
    w.putAttrString(UBUS_ATTR_METHOD, method);
    putData(w, args);
    if (noReply) w.putAttrU8(UBUS_ATTR_NO_REPLY, 1);
  });
}

/** ADD_OBJECT: OBJPATH and SIGNATURE; an anonymous object (path null) sends neither. */
export function addObjectMessage(seq: number, path: string | null, signature: UbusSignature): Uint8Array {
  return encodeMessage(UBUS_MSG_ADD_OBJECT, seq, 0, (w) => {
    if (path === null) return;
    w.putAttrString(UBUS_ATTR_OBJPATH, path);
    const sig = w.start(UBUS_ATTR_SIGNATURE);
    for (const [method, args] of Object.entries(signature)) {
      const t = openTable(w, method);
      for (const [arg, type] of Object.entries(args)) putInt32(w, arg, type);
      w.end(t);
    }
    w.end(sig);
  });
}

/** An object's DATA reply to an INVOKE: seq and peer of the INVOKE. */
export function replyDataMessage(seq: number, peer: number, objid: number, data: JsonObject): Uint8Array {
  return encodeMessage(UBUS_MSG_DATA, seq, peer, (w) => {
    w.putAttrU32(UBUS_ATTR_OBJID, objid);
    putData(w, data);
  });
}

export function replyStatusMessage(seq: number, peer: number, objid: number, status: number): Uint8Array {
  return encodeMessage(UBUS_MSG_STATUS, seq, peer, (w) => {
    w.putAttrU32(UBUS_ATTR_STATUS, status);
    w.putAttrU32(UBUS_ATTR_OBJID, objid);
  });
}

/** `ubus send ID DATA`: INVOKE object 1 `send` {id, data}. */
export function sendEventMessage(seq: number, id: string, data: JsonObject): Uint8Array {
  return invokeMessage(seq, UBUS_SYSTEM_OBJECT_EVENT, 'send', (w) => {
    putString(w, 'id', id);
    const t = openTable(w, 'data');
    putJsonFields(w, data);
    w.end(t);
  });
}

/** Listen for events matching `pattern` on our (anonymous) object `objid`. */
export function registerEventMessage(seq: number, objid: number, pattern: string): Uint8Array {
  return invokeMessage(seq, UBUS_SYSTEM_OBJECT_EVENT, 'register', (w) => {
    putInt32(w, 'object', objid);
    putString(w, 'pattern', pattern);
  });
}
