/** `x0tta6bl4 incidents` and `x0tta6bl4 actions`: what the agent saw and did. */
import type { JsonObject } from '../../ubus/blobmsg.js';
import { callAgent } from '../agent-client.js';
import { type Command, type CommandContext, EXIT_FAILURE, EXIT_OK, UsageError } from '../context.js';
import { cell, formatTable, formatTime } from '../table.js';

function queryArgs(ctx: CommandContext, withOpen: boolean): JsonObject {
  const args: JsonObject = {};
  const limit = ctx.args.options.get('limit');
  if (typeof limit === 'string') {
    if (!/^[0-9]{1,6}$/.test(limit)) throw new UsageError(`--limit: '${limit}' is not a count`);
    args.limit = Number(limit);
  }
  const since = ctx.args.options.get('since');
  if (typeof since === 'string') {
    // Seconds ago, or an absolute ISO time.
    const ago = /^([0-9]{1,9})s?$/.exec(since);
    const at = ago ? ctx.host.clock.wallMs() - Number(ago[1]) * 1000 : Date.parse(since);
    if (!Number.isFinite(at)) throw new UsageError(`--since: '${since}' is neither seconds ago nor a date`);
    args.since = Math.floor(at);
  }
  if (withOpen && ctx.args.options.has('open')) args.open = true;
  return args;
}

async function list(ctx: CommandContext, method: 'incidents' | 'actions', render: (rows: JsonObject[]) => string): Promise<number> {
  const r = await callAgent(ctx.host, ctx.config, method, queryArgs(ctx, method === 'incidents'));
  if (!r.ok) {
    ctx.host.stderr.write(`x0tta6bl4: ${method}: ${r.error}\n`);
    return EXIT_FAILURE;
  }
  const rows = (r.data[method] ?? []) as JsonObject[];
  ctx.host.stdout.write(ctx.args.options.has('json') ? `${JSON.stringify(rows, null, 2)}\n` : render(rows));
  return EXIT_OK;
}

const common = [
  { name: 'json', value: false, help: 'print JSON instead of a table' },
  { name: 'limit', value: true, metavar: 'N', help: 'incidents/actions: at most N, newest first (default 100)' },
  { name: 'since', value: true, metavar: 'SECONDS|DATE', help: 'incidents/actions: only newer than this' },
];

export const incidentsCommand: Command = {
  name: 'incidents',
  summary: 'incidents the agent detected, newest first',
  synopsis: '[--open] [--limit N] [--since S] [--json]',
  maxOperands: 0,
  options: [...common, { name: 'open', value: false, help: 'incidents: only those still open' }],
  run: (ctx) =>
    list(ctx, 'incidents', (rows) =>
      formatTable(
        ['id', 'kind', 'target', 'severity', 'status', 'started (UTC)', 'evidence'],
        rows.map((i) => [cell(i.id), cell(i.kind), cell(i.target), cell(i.severity), cell(i.status), formatTime(i.started_at_ms), cell(i.evidence)]),
      ),
    ),
};

export const actionsCommand: Command = {
  name: 'actions',
  summary: 'actions the agent took or advised, with their audit records',
  synopsis: '[--limit N] [--since S] [--json]',
  maxOperands: 0,
  options: common,
  run: (ctx) =>
    list(ctx, 'actions', (rows) =>
      formatTable(
        ['id', 'time (UTC)', 'action', 'target', 'result', 'incident', 'detail'],
        rows.map((a) => [cell(a.id), formatTime(a.at_ms), cell(a.action), cell(a.target), cell(a.result), cell(a.incident), cell(a.detail)]),
      ),
    ),
};
