/**
 * The files of the OpenWrt feed (packages-openwrt/feed) that are generated from the
 * agent's tables: the UCI file and both ACLs, and LuCI's menu entry. (The LuCI render
 * module is made by the feed's Makefile from runtime/web/render.js.) The SDK has no Node to generate them, so they are committed next to the feed
 * Makefiles; `npm run package -- --feed-files` rewrites them from the same package
 * specs the .ipk files are built from, and a test fails when they differ.
 */
import type { PackageSpec } from './ipk.js';

/** Feed path (below packages-openwrt/feed) of each generated file, by its install path. */
export const FEED_GENERATED: Readonly<Record<string, string>> = {
  'etc/config/x0tta6bl4': 'net/x0tta6bl4/files/x0tta6bl4.config',
  'usr/share/rpcd/acl.d/x0tta6bl4.json': 'net/x0tta6bl4/files/x0tta6bl4.acl.json',
  'usr/share/luci/menu.d/luci-app-x0tta6bl4.json': 'luci/luci-app-x0tta6bl4/root/usr/share/luci/menu.d/luci-app-x0tta6bl4.json',
  'usr/share/rpcd/acl.d/luci-app-x0tta6bl4.json': 'luci/luci-app-x0tta6bl4/root/usr/share/rpcd/acl.d/luci-app-x0tta6bl4.json',
};

export interface FeedFile {
  /** Below packages-openwrt/feed. */
  path: string;
  data: Uint8Array;
}

/** The generated files of the given package specs, at their feed paths. */
export function feedGeneratedFiles(specs: readonly PackageSpec[]): FeedFile[] {
  const out: FeedFile[] = [];
  for (const spec of specs) {
    for (const f of spec.files) {
      const path = FEED_GENERATED[f.path];
      if (path !== undefined) out.push({ path, data: f.data });
    }
  }
  const missing = Object.keys(FEED_GENERATED).filter((p) => !specs.some((s) => s.files.some((f) => f.path === p)));
  if (missing.length > 0) throw new Error(`feed: no package installs ${missing.join(', ')}`);
  return out;
}
