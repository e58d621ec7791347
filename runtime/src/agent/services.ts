/**
 * The agent's faces to the outside: the ubus object `x0tta6bl4` (with its events)
 * and the HTTP listener for /health, /metrics and /api. Either failing to start is
 * logged and the agent keeps healing: metrics matter less than the mesh.
 */
import { createApiHandler } from '../api/http-routes.js';
import type { AgentApi } from '../api/types.js';
import { UBUS_OBJECT_NAME, ubusMethodTable } from '../api/ubus-object.js';
import { type AgentConfig, parseListenAddress } from '../config/settings.js';
import type { Host } from '../host/index.js';
import { HttpServer } from '../http/server.js';
import type { Log } from '../log.js';
import type { Registry } from '../metrics/registry.js';
import type { JsonObject } from '../ubus/blobmsg.js';
import { UbusClient } from '../ubus/client.js';

export interface Services {
  /** Send a ubus event (dropped and counted while ubusd is away). */
  event(id: 'x0tta6bl4.incident' | 'x0tta6bl4.action', data: JsonObject): void;
  stop(): void;
}

export interface ServiceDeps {
  host: Host;
  log: Log;
  config: AgentConfig;
  api: AgentApi;
  metrics: Registry;
  version: string;
}

export async function startServices(d: ServiceDeps): Promise<Services> {
  const { host, log, config } = d;
  let ubus: UbusClient | null = null;
  if (config.ubus) {
    ubus = new UbusClient({ host, socketPath: config.ubusSocket, log: (level, message) => log[level](message) });
    await ubus.addObject(UBUS_OBJECT_NAME, ubusMethodTable(d.api));
    ubus.start();
  }
  let http: HttpServer | null = null;
  if (config.http !== '') {
    const address = parseListenAddress(config.http);
    if (address === null) {
      log.err(`http: '${config.http}' is not ADDR:PORT`);
    } else {
      try {
        http = await HttpServer.listen(address, createApiHandler(d.api, { version: d.version, metrics: d.metrics }), {
          host,
          onError: (e) => log.err(`http: handler failed: ${(e as Error).message ?? e}`),
        });
        log.info(`http: serving the dashboard (/), /health, /metrics and /api on ${config.http}`);
      } catch (e) {
        log.err(`http: cannot listen on ${config.http}: ${(e as Error).message ?? e}`);
      }
    }
  }
  return {
    event(id, data) {
      if (ubus) void ubus.sendEvent(id, data);
    },
    stop() {
      ubus?.stop();
      http?.close();
    },
  };
}
