/**
 * The `x0tta6bl4` ubus object: one ubus method per API method, with a signature for
 * `ubus -v list`. Arguments of any integer width are accepted where an integer or a
 * boolean is expected; on bad input the caller gets DATA {"error": "..."} and then
 * STATUS INVALID_ARGUMENT, so `ubus call` prints the reason.
 */
import { BLOBMSG_TYPE_BOOL, BLOBMSG_TYPE_INT32, BLOBMSG_TYPE_INT64, BLOBMSG_TYPE_INT8, BLOBMSG_TYPE_STRING, type BlobmsgNode, type JsonObject, nodeToJson } from '../ubus/blobmsg.js';
import type { UbusMethodResult, UbusMethodTable } from '../ubus/connection.js';
import {
  UBUS_STATUS_INVALID_ARGUMENT, UBUS_STATUS_NOT_FOUND, UBUS_STATUS_NOT_SUPPORTED, UBUS_STATUS_OK, UBUS_STATUS_UNKNOWN_ERROR,
} from '../ubus/message.js';
import { API_METHODS, type ApiMethod, checkArgs } from './methods.js';
import type { AgentApi, ApiErrorCode, ApiOutcome } from './types.js';

export const UBUS_OBJECT_NAME = 'x0tta6bl4';

export const UBUS_STATUS_OF: Record<ApiErrorCode, number> = {
  invalid_argument: UBUS_STATUS_INVALID_ARGUMENT,
  not_found: UBUS_STATUS_NOT_FOUND,
  not_supported: UBUS_STATUS_NOT_SUPPORTED,
  unavailable: UBUS_STATUS_UNKNOWN_ERROR,
  failed: UBUS_STATUS_UNKNOWN_ERROR,
};

const SIGNATURE_TYPE = { string: BLOBMSG_TYPE_STRING, int: BLOBMSG_TYPE_INT32, bool: BLOBMSG_TYPE_BOOL } as const;

/** Blobmsg arguments as loose JSON: an INT8 stays a number where an integer is expected. */
function argsJson(method: ApiMethod, nodes: readonly BlobmsgNode[]): JsonObject {
  const o: JsonObject = {};
  for (const n of nodes) o[n.name] = n.type === BLOBMSG_TYPE_INT8 && method.args[n.name]?.type === 'int' ? n.value : nodeToJson(n);
  return o;
}

export function outcomeToUbus(r: ApiOutcome): UbusMethodResult {
  if (r.ok) return { status: UBUS_STATUS_OK, data: r.data };
  return { status: UBUS_STATUS_OF[r.error], data: { error: r.message } };
}

export function ubusMethodTable(api: AgentApi): UbusMethodTable {
  const table: UbusMethodTable = {};
  for (const m of API_METHODS) {
    const signature: Record<string, number> = {};
    for (const [name, spec] of Object.entries(m.args)) signature[name] = spec.wide ? BLOBMSG_TYPE_INT64 : SIGNATURE_TYPE[spec.type];
    table[m.name] = {
      signature,
      handler: async (nodes) => {
        const a = checkArgs(m, argsJson(m, nodes));
        if (!a.ok) return { status: UBUS_STATUS_INVALID_ARGUMENT, data: { error: a.message } };
        return outcomeToUbus(await m.call(api, a.args));
      },
    };
  }
  return table;
}
