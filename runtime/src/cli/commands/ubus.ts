/**
 * `x0tta6bl4 ubus call <object> <method> [json]`: a ubus client of our own (no
 * libubus), for tests and for machines without the `ubus` tool. Prints each reply
 * as JSON and, like `ubus`, exits with the ubus status on failure.
 */
import type { JsonObject } from '../../ubus/blobmsg.js';
import { jsonText } from '../../ubus/blobmsg.js';
import { UbusConnection } from '../../ubus/connection.js';
import { type Command, EXIT_FAILURE, EXIT_OK, UsageError } from '../context.js';

export const ubusCommand: Command = {
  name: 'ubus',
  summary: 'call <object> <method> [json]: call a ubus method (like `ubus call`)',
  synopsis: 'call <object> <method> [json]',
  maxOperands: 4,
  options: [],
  async run({ host, config, operands }) {
    const [verb, object, method, text] = operands;
    if (verb !== 'call' || object === undefined || method === undefined) throw new UsageError('ubus: usage: ubus call <object> <method> [json]');
    let args: JsonObject = {};
    if (text !== undefined) {
      try {
        const parsed: unknown = JSON.parse(text);
        if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not an object');
        args = parsed as JsonObject;
      } catch {
        throw new UsageError(`ubus: the message must be a JSON object: ${text}`);
      }
    }
    const conn = await UbusConnection.connect(config.ubusSocket);
    if (!conn.ok) {
      host.stderr.write(`x0tta6bl4: ubus: ${conn.error.message}\n`);
      return EXIT_FAILURE;
    }
    try {
      const r = await conn.value.call(object, method, args, 30_000);
      if (!r.ok) {
        // What the object said about the failure ({"error": ...}), as the real ubus CLI shows it.
        for (const reply of r.error.replies ?? []) host.stdout.write(`${jsonText(reply, '\t')}\n`);
        host.stderr.write(`x0tta6bl4: ubus call ${object} ${method}: ${r.error.message}\n`);
        return r.error.status ?? EXIT_FAILURE;
      }
      for (const reply of r.value) host.stdout.write(`${jsonText(reply, '\t')}\n`);
      return EXIT_OK;
    } finally {
      conn.value.close();
    }
  },
};
