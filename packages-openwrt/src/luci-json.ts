/**
 * The JSON files rpcd and LuCI read: the rpcd ACLs (/usr/share/rpcd/acl.d/) and the
 * LuCI menu entry (/usr/share/luci/menu.d/). The method names come from the table
 * the agent registers its ubus object from (runtime/src/api/methods.ts): reading is
 * granted for every method but the two that change something, which need write.
 */
import { API_METHODS } from '../../runtime/src/api/methods.js';
import { UBUS_OBJECT_NAME } from '../../runtime/src/api/ubus-object.js';

/** The methods that change the agent or the router: only these need write access. */
export const WRITE_METHODS: readonly string[] = ['heal', 'mode'];

export function readMethods(): string[] {
  return API_METHODS.map((m) => m.name).filter((n) => !WRITE_METHODS.includes(n));
}

export function writeMethods(): string[] {
  const known = new Set(API_METHODS.map((m) => m.name));
  const missing = WRITE_METHODS.filter((n) => !known.has(n));
  if (missing.length) throw new Error(`rpcd ACL: the agent registers no method ${missing.join(', ')}`);
  return [...WRITE_METHODS];
}

type Json = string | number | boolean | Json[] | { [k: string]: Json };

function grants(extraRead: Record<string, Json>): Record<string, Json> {
  return {
    read: { ubus: { [UBUS_OBJECT_NAME]: readMethods() }, ...extraRead },
    write: { ubus: { [UBUS_OBJECT_NAME]: writeMethods() } },
  };
}

function pretty(value: Json): string {
  return `${JSON.stringify(value, null, '\t')}\n`;
}

/** /usr/share/rpcd/acl.d/x0tta6bl4.json: group `x0tta6bl4` for any rpcd login (scripts over uhttpd's /ubus). */
export function agentAcl(): string {
  return pretty({
    x0tta6bl4: { description: 'x0tta6bl4 mesh self-healing agent: read its state; heal and switch the mode with write', ...grants({}) },
  });
}

export const LUCI_ACL_GROUP = 'luci-app-x0tta6bl4';
/** The view the menu entry opens (resources/view/<this>.js, see luci-view.ts). */
export const LUCI_VIEW = 'x0tta6bl4/status';

/** /usr/share/rpcd/acl.d/luci-app-x0tta6bl4.json: the same grants for the LuCI page, plus reading its UCI file. */
export function luciAcl(): string {
  return pretty({
    [LUCI_ACL_GROUP]: { description: 'Grant access to the mesh self-healing page', ...grants({ uci: ['x0tta6bl4'] }) },
  });
}

/** /usr/share/luci/menu.d/luci-app-x0tta6bl4.json: Status → Mesh self-healing, next to batman-adv's page. */
export function luciMenu(): string {
  return pretty({
    'admin/status/x0tta6bl4': {
      title: 'Mesh self-healing',
      order: 93,
      action: { type: 'view', path: LUCI_VIEW },
      depends: { acl: [LUCI_ACL_GROUP] },
    },
  });
}
