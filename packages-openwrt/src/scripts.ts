/**
 * The maintainer scripts: postinst and prerm hand over to OpenWrt's own
 * default_postinst / default_prerm (base-files /lib/functions.sh), as packages built
 * by the SDK do, so that the package's /etc/uci-defaults scripts run once on a live
 * system, its init scripts are enabled and started (on upgrade: not re-enabled), and
 * on removal stopped and disabled. Installed into an image root (IPKG_INSTROOT set),
 * default_postinst only enables the init scripts under that root and starts nothing;
 * the uci-defaults then run at the image's first boot. Outside OpenWrt (no
 * functions.sh) and with IPKG_NO_SCRIPT=1 the scripts do nothing.
 */

function handOver(fn: 'default_postinst' | 'default_prerm', what: string): string {
  return [
    '#!/bin/sh',
    `# ${what}; OpenWrt's ${fn} (/lib/functions.sh) does it.`,
    '[ "$IPKG_NO_SCRIPT" = "1" ] && exit 0',
    '[ -s "$IPKG_INSTROOT/lib/functions.sh" ] || exit 0',
    '# shellcheck source=/dev/null',
    '. "$IPKG_INSTROOT/lib/functions.sh"',
    `${fn} "$0" "$@"`,
    '',
  ].join('\n');
}

export function postinst(): string {
  return handOver('default_postinst', 'after install: run uci-defaults, enable and start the init scripts');
}

export function prerm(): string {
  return handOver('default_prerm', 'before removal: stop and disable the init scripts');
}
