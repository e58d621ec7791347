/**
 * The agent's API, one interface for both transports: ubus (`ubus call x0tta6bl4 M`)
 * and HTTP (`GET /api/M`) call the same `AgentApi` methods through one method table
 * (methods.ts), so they serve identical JSON and identical argument checks.
 */
import type { JsonObject } from '../ubus/blobmsg.js';

export type AgentMode = 'auto' | 'advise' | 'off';
export const AGENT_MODES: readonly AgentMode[] = ['auto', 'advise', 'off'];

/**
 * Why a call failed; each maps to one ubus status and one HTTP status:
 * invalid_argument 2/400, not_found 4/404, not_supported 8/501 (the feature awaits the
 * loop), unavailable 9/503 (e.g. batman-adv gone), failed 9/500.
 */
export type ApiErrorCode = 'invalid_argument' | 'not_found' | 'not_supported' | 'unavailable' | 'failed';

export type ApiOutcome = { ok: true; data: JsonObject } | { ok: false; error: ApiErrorCode; message: string };

export interface IncidentQuery {
  /** Wall-clock ms since the epoch; only records at or after it. */
  since?: number;
  limit?: number;
  open?: boolean;
}

export interface ActionQuery {
  since?: number;
  limit?: number;
}

export interface LinkQuery {
  /** Samples per link, newest last. */
  samples?: number;
}

export type HealRequest = ({ incident: string } | { action: string; target: string }) & { dryRun: boolean };

export interface AgentApi {
  status(): Promise<ApiOutcome>;
  neighbors(): Promise<ApiOutcome>;
  originators(): Promise<ApiOutcome>;
  gateways(): Promise<ApiOutcome>;
  incidents(q: IncidentQuery): Promise<ApiOutcome>;
  actions(q: ActionQuery): Promise<ApiOutcome>;
  heal(r: HealRequest): Promise<ApiOutcome>;
  /** Read the mode, or set it first when `set` is given. */
  mode(set?: AgentMode): Promise<ApiOutcome>;
  config(): Promise<ApiOutcome>;
  mesh(): Promise<ApiOutcome>;
  /** Link quality over time, from the monitor's series. */
  links(q: LinkQuery): Promise<ApiOutcome>;
  /** For GET /health: healthy, or the reasons it is not. */
  health(): Promise<{ healthy: boolean; reasons: string[] }>;
}

export function ok(data: JsonObject): ApiOutcome {
  return { ok: true, data };
}

export function fail(error: ApiErrorCode, message: string): ApiOutcome {
  return { ok: false, error, message };
}
