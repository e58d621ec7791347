/**
 * What goes into the two packages: x0tta6bl4 (the agent) and luci-app-x0tta6bl4
 * (the Status > Mesh self-healing view, its render module, menu entry and ACL).
 *
 * The agent's bundle (dist/x0tta6bl4.js) is compiled into the binary as quickjs-ng
 * bytecode (runtime/native/Makefile), so the binary is the whole program.
 */
import type { PackageSpec } from './ipk.js';
import { agentAcl, luciAcl, luciMenu } from './luci-json.js';
import { checkLuciView, LUCI_RENDER_FILE, LUCI_VIEW_FILE, luciRenderModule } from './luci-view.js';
import { postinst, prerm } from './scripts.js';
import { defaultUciConfig } from './uci-config.js';

export interface PackageInputs {
  /** The runtime binary for the target (dist/x0tta6bl4). */
  binary: Uint8Array;
  /** package.json's version, e.g. 0.1.0. */
  version: string;
  /** The package release, appended as -N. */
  release: number;
  /** OpenWrt architecture of the binary, e.g. x86_64, mips_24kc. */
  arch: string;
  initScript: string;
  uciDefaults: string;
  /** The LuCI view (packages-openwrt/luci/status.js). */
  luciView: string;
  /** The render functions shared with the dashboard (runtime/web/render.js). */
  renderJs: string;
  /** The anomaly model (model/x0tta6bl4.model), installed for `option model` to name. */
  model?: Uint8Array;
  /** Packages of the shared libraries the binary links beyond libc (elf.ts libraryDepends). */
  libraryDepends?: readonly string[];
}

const SOURCE = 'packages-openwrt';
const MAINTAINER = 'x0tta6bl4 developers';
const LICENSE = 'MIT';

const text = (s: string) => new TextEncoder().encode(s);

export const AGENT_DEPENDS = ['libc', 'kmod-batman-adv', 'alfred'] as const;
export const LUCI_DEPENDS = ['libc', 'luci-base', 'x0tta6bl4'] as const;

function fullVersion(i: PackageInputs): string {
  if (!Number.isSafeInteger(i.release) || i.release < 1) throw new Error(`release ${i.release}: must be a positive integer`);
  return `${i.version}-${i.release}`;
}

export function agentPackage(i: PackageInputs): PackageSpec {
  return {
    fields: {
      package: 'x0tta6bl4',
      version: fullVersion(i),
      depends: [...AGENT_DEPENDS, ...(i.libraryDepends ?? [])],
      source: SOURCE,
      sourceName: 'x0tta6bl4',
      license: LICENSE,
      section: 'net',
      maintainer: MAINTAINER,
      architecture: i.arch,
      description: [
        'Self-healing agent for batman-adv mesh routers',
        'Watches batman-adv and the links over netlink, detects lost neighbours,',
        'degraded and flapping links, deaf radios, a lost uplink and isolation, and',
        'heals them with rate-limited, reversible, audited actions. ubus object',
        'x0tta6bl4, Prometheus metrics on 127.0.0.1:9478, settings in',
        '/etc/config/x0tta6bl4.',
      ].join('\n'),
    },
    files: [
      { path: 'usr/bin/x0tta6bl4', mode: 0o755, data: i.binary },
      { path: 'etc/init.d/x0tta6bl4', mode: 0o755, data: text(i.initScript) },
      { path: 'etc/config/x0tta6bl4', mode: 0o644, data: text(defaultUciConfig()) },
      { path: 'etc/uci-defaults/80_x0tta6bl4', mode: 0o755, data: text(i.uciDefaults) },
      { path: 'usr/share/rpcd/acl.d/x0tta6bl4.json', mode: 0o644, data: text(agentAcl()) },
      ...(i.model ? [{ path: MODEL_FILE, mode: 0o644, data: i.model }] : []),
    ],
    conffiles: ['/etc/config/x0tta6bl4'],
    scripts: { postinst: postinst(), prerm: prerm() },
  };
}

/** Where the package puts the anomaly model (docs/model.md: `option model` names it; off by default). */
export const MODEL_FILE = 'usr/share/x0tta6bl4/x0tta6bl4.model';

export function luciPackage(i: PackageInputs): PackageSpec {
  return {
    fields: {
      package: 'luci-app-x0tta6bl4',
      version: fullVersion(i),
      depends: LUCI_DEPENDS,
      source: SOURCE,
      sourceName: 'luci-app-x0tta6bl4',
      license: LICENSE,
      section: 'luci',
      maintainer: MAINTAINER,
      architecture: 'all',
      description: [
        'LuCI support for the x0tta6bl4 mesh self-healing agent',
        'Status > Mesh self-healing: the node health and healing mode, neighbours',
        'with link quality, open incidents with a heal button (and dry run), recent',
        'actions with their evidence, the mesh graph and link quality over time.',
      ].join('\n'),
    },
    files: [
      { path: 'usr/share/luci/menu.d/luci-app-x0tta6bl4.json', mode: 0o644, data: text(luciMenu()) },
      { path: LUCI_VIEW_FILE, mode: 0o644, data: text(checkLuciView(i.luciView)) },
      { path: LUCI_RENDER_FILE, mode: 0o644, data: text(luciRenderModule(i.renderJs)) },
      { path: 'usr/share/rpcd/acl.d/luci-app-x0tta6bl4.json', mode: 0o644, data: text(luciAcl()) },
    ],
    conffiles: [],
    scripts: { postinst: postinst(), prerm: prerm() },
  };
}
