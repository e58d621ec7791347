/**
 * `x0tta6bl4 heal (--incident ID | --action KIND --target T) [--dry-run] [--json]`:
 * ask the running agent to heal an open incident now, or to take one manual action,
 * through its executor's checks. Exit 0: done, or (--dry-run) planned and allowed;
 * 1: refused, failed, or the agent could not be asked or said no (unknown incident,
 * no batman-adv); 2: the command line is wrong.
 */
import { MANUAL_ACTION_KINDS } from '../../loop/manual-actions.js';
import type { JsonObject } from '../../ubus/blobmsg.js';
import { callAgent } from '../agent-client.js';
import { type Command, EXIT_FAILURE, EXIT_OK, UsageError } from '../context.js';

/** Long enough for the slowest action (a ubus or wifi restart: up to 2 × 15 s) and an execute phase before it. */
const HEAL_TIMEOUT_MS = 75_000;

function healArgs(options: Map<string, string | true>): JsonObject {
  const value = (name: string): string | undefined => {
    const v = options.get(name);
    if (v === true || v === '') throw new UsageError(`heal: --${name} needs a value`);
    return v;
  };
  const incident = value('incident');
  const action = value('action');
  const target = value('target');
  const dryRun = options.has('dry-run');
  if (incident !== undefined) {
    if (action !== undefined || target !== undefined) throw new UsageError('heal: give --incident, or --action with --target, not both');
    return { incident, dry_run: dryRun };
  }
  if (action === undefined || target === undefined) throw new UsageError('heal: give --incident ID, or --action KIND with --target T');
  if (!(MANUAL_ACTION_KINDS as readonly string[]).includes(action)) throw new UsageError(`heal: unknown action '${action}' (valid: ${MANUAL_ACTION_KINDS.join(', ')})`);
  return { action, target, dry_run: dryRun };
}

function text(v: unknown): string {
  return v === null || v === undefined ? '-' : String(v);
}

/** The agent's answer for a person: what was planned and what became of it. */
export function healText(d: JsonObject): string {
  const action = d.action as JsonObject | null;
  const incident = d.incident as JsonObject | null;
  const row = (label: string, value: string) => `  ${label.padEnd(9)} ${value}`;
  const head = `${text(d.result)}${d.dry_run ? ' (dry run: nothing changed)' : ''}: ${action ? `${text(action.kind)} ${text(action.target)}` : 'no action planned'}`;
  const lines = [head];
  if (incident) lines.push(row('incident', `${text(incident.id)} ${text(incident.kind)} ${text(incident.target)}: ${text(incident.evidence)}`));
  if (action) lines.push(row('plan', `${text(action.reason)}${action.reversible ? ' (verified, rolled back if worse)' : ''}`));
  lines.push(row(d.result === 'refused' ? 'why' : d.result === 'failed' ? 'error' : 'result', text(d.detail)));
  lines.push(row('mode', text(d.mode)));
  if (d.audit_id) lines.push(row('audit', text(d.audit_id)));
  return `${lines.join('\n')}\n`;
}

export const healCommand: Command = {
  name: 'heal',
  summary: 'heal an open incident now, or take one manual action (--dry-run: plan and check only)',
  synopsis: '(--incident ID | --action KIND --target T) [--dry-run] [--json]',
  maxOperands: 0,
  options: [
    { name: 'incident', value: true, metavar: 'ID', help: 'heal: the open incident to heal now' },
    { name: 'action', value: true, metavar: 'KIND', help: `heal: a manual action: ${MANUAL_ACTION_KINDS.join('|')}` },
    { name: 'target', value: true, metavar: 'T', help: 'heal: the hard interface (gateway-*: the mesh interface) it applies to' },
    { name: 'dry-run', value: false, help: 'heal: plan and check only, change nothing' },
    { name: 'json', value: false, help: 'print JSON instead of text' },
  ],
  async run({ host, config, args }) {
    const request = healArgs(args.options);
    const r = await callAgent(host, config, 'heal', request, request.dry_run !== true, HEAL_TIMEOUT_MS);
    if (!r.ok) {
      host.stderr.write(`x0tta6bl4: heal: ${r.error.replace(/^heal: /, '')}\n`);
      return EXIT_FAILURE;
    }
    host.stdout.write(args.options.has('json') ? `${JSON.stringify(r.data, null, 2)}\n` : healText(r.data));
    return r.data.result === 'done' || r.data.result === 'planned' ? EXIT_OK : EXIT_FAILURE;
  },
};
