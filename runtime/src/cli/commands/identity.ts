/**
 * `x0tta6bl4 identity status [--json]`, `identity attest --join-token TOKEN`,
 * `identity renew`: this router's SPIFFE identity from the SPIRE server
 * (runtime/src/spire/), saved under <state_dir>/identity/. The server, trust domain and
 * bootstrap bundle come from agent.spire_server, agent.trust_domain, agent.spire_bundle
 * or --spire-server, --trust-domain, --bundle.
 */
import type { Host } from '../../host/types.js';
import { parseCertificate } from '../../identity/x509.js';
import { leafValidity, SpireAgent } from '../../spire/agent.js';
import { grpcDial } from '../../spire/channel.js';
import { judgeClock } from '../../spire/clock.js';
import { IdentityRenewer } from '../../spire/renewer.js';
import type { SpireError } from '../../spire/errors.js';
import type { IdentityState } from '../../spire/state.js';
import { statePathOf } from '../../spire/state.js';
import { type Command, type CommandContext, EXIT_FAILURE, EXIT_OK, UsageError } from '../context.js';

function iso(ms: number): string {
  return new Date(ms).toISOString().replace('.000Z', 'Z');
}

function makeAgent(ctx: CommandContext): SpireAgent | null {
  const crypto = ctx.host.crypto;
  if (crypto === undefined) return null;
  const c = ctx.config;
  return new SpireAgent(ctx.host, crypto, grpcDial, { server: c.spireServer, trustDomain: c.trustDomain, bundlePath: c.spireBundle, stateDir: c.stateDir });
}

function failed(host: Host, what: string, e: SpireError): number {
  host.stderr.write(`x0tta6bl4: identity ${what}: ${e.message}\n`);
  return EXIT_FAILURE;
}

export interface IdentityReport {
  attested: boolean;
  state_file: string;
  server?: string;
  trust_domain?: string;
  agent_id?: string;
  agent_svid?: { not_before: string; not_after: string; valid: boolean };
  workload_id?: string | null;
  workload_svid?: { not_before: string; not_after: string; valid: boolean } | null;
  bundle?: { authorities: number; subjects: string[]; not_after: string[] };
  reattestable?: boolean;
  clock: { ok: boolean; reason: string };
}

export function identityReport(host: Host, statePath: string, s: IdentityState | null): IdentityReport {
  const now = host.clock.wallMs();
  if (s === null) {
    const clock = judgeClock(now);
    return { attested: false, state_file: statePath, clock: { ok: clock.ok, reason: clock.reason } };
  }
  const authorities = s.bundle.map((d) => parseCertificate(d)).flatMap((c) => (c.ok ? [c.value] : []));
  const clock = judgeClock(now, { bundleNotBeforeMs: authorities.map((c) => c.notBeforeMs), lastGoodMs: s.renewedAtMs });
  const validity = (chain: readonly Uint8Array[]) => {
    const v = leafValidity(chain);
    // With a clock known to be wrong, validity is not judged (null would hide the dates).
    return v === null ? null : { not_before: iso(v.notBeforeMs), not_after: iso(v.notAfterMs), valid: clock.ok && now >= v.notBeforeMs && now < v.notAfterMs };
  };
  return {
    attested: true,
    state_file: statePath,
    server: s.server,
    trust_domain: s.trustDomain,
    agent_id: s.agentId,
    agent_svid: validity(s.agentChain) ?? undefined,
    workload_id: s.workload?.spiffeId ?? null,
    workload_svid: s.workload ? validity(s.workload.chain) : null,
    bundle: { authorities: authorities.length, subjects: authorities.map((c) => c.subject.text), not_after: authorities.map((c) => iso(c.notAfterMs)) },
    reattestable: s.reattestable,
    clock: { ok: clock.ok, reason: clock.reason },
  };
}

function reportText(r: IdentityReport): string {
  if (!r.attested) return `not attested (no ${r.state_file}); run: x0tta6bl4 identity attest --join-token TOKEN\n`;
  const svid = (v: IdentityReport['agent_svid'] | null | undefined) => (v ? `${v.valid ? 'valid' : 'NOT valid'}, ${v.not_before} .. ${v.not_after}` : '-');
  const lines = [
    `agent id    ${r.agent_id}`,
    `agent svid  ${svid(r.agent_svid)}`,
    `workload    ${r.workload_id ?? '-'}`,
    `workload    ${svid(r.workload_svid)}`,
    `bundle      ${r.trust_domain}: ${r.bundle?.authorities} authorit${r.bundle?.authorities === 1 ? 'y' : 'ies'}${r.bundle?.not_after.length ? `, until ${r.bundle.not_after.join(', ')}` : ''}`,
    `server      ${r.server}`,
  ];
  if (!r.clock.ok) lines.push(`clock       ${r.clock.reason}`);
  return `${lines.join('\n')}\n`;
}

/** Renew in the foreground (IdentityRenewer) until SIGTERM or SIGINT. */
function watch(host: Host, agent: SpireAgent): Promise<void> {
  const renewer = new IdentityRenewer(host, agent);
  renewer.start();
  return new Promise((resolve) => {
    const stop = () => {
      renewer.stop();
      resolve();
    };
    host.signals.on('SIGTERM', stop);
    host.signals.on('SIGINT', stop);
  });
}

export const identityCommand: Command = {
  name: 'identity',
  summary: "this router's SPIFFE identity from SPIRE: status, attest --join-token TOKEN, renew",
  synopsis: 'status [--json] | attest --join-token TOKEN [--watch] | renew [--watch]',
  maxOperands: 1,
  options: [
    { name: 'json', value: false, help: 'print JSON instead of text' },
    { name: 'join-token', value: true, metavar: 'TOKEN', help: 'identity attest: the join token from `spire-server token generate`' },
    { name: 'watch', value: false, help: 'identity attest/renew: then keep renewing at half the SVID lifetime until SIGTERM' },
  ],
  async run(ctx) {
    const { host, args } = ctx;
    const sub = ctx.operands[0] ?? 'status';
    const agent = makeAgent(ctx);
    if (sub === 'status') {
      const statePath = statePathOf(ctx.config.stateDir);
      let state: IdentityState | null = null;
      if (agent !== null) {
        const s = agent.load();
        if (!s.ok) return failed(host, 'status', s.error);
        state = s.value;
      }
      const r = identityReport(host, statePath, state);
      host.stdout.write(args.options.has('json') ? `${JSON.stringify(r, null, 2)}\n` : reportText(r));
      return r.attested && r.agent_svid?.valid ? EXIT_OK : EXIT_FAILURE;
    }
    if (sub !== 'attest' && sub !== 'renew') throw new UsageError(`identity: '${sub}' is not status, attest or renew`);
    if (agent === null) {
      host.stderr.write(`x0tta6bl4: identity ${sub}: this engine (${host.engine}) has no crypto; run the x0tta6bl4 binary\n`);
      return EXIT_FAILURE;
    }
    let r: Awaited<ReturnType<SpireAgent['renew']>>;
    if (sub === 'attest') {
      const token = args.options.get('join-token');
      if (typeof token !== 'string') throw new UsageError('identity attest: --join-token TOKEN is required');
      r = await agent.attest(token);
    } else {
      r = await agent.renew();
    }
    if (!r.ok) return failed(host, sub, r.error);
    const v = leafValidity(r.value.agentChain);
    host.stdout.write(`${r.value.agentId}${v ? ` until ${iso(v.notAfterMs)}` : ''}\n`);
    if (r.value.workload) {
      const w = leafValidity(r.value.workload.chain);
      host.stdout.write(`${r.value.workload.spiffeId}${w ? ` until ${iso(w.notAfterMs)}` : ''}\n`);
    }
    if (args.options.has('watch')) await watch(host, agent);
    return EXIT_OK;
  },
};
