/// <reference types="node" />
// Host prerequisites: Debian packages the lab needs. Installed with apt-get when we
// run as root; otherwise a clear error naming the packages.
import { existsSync, readdirSync } from "node:fs";
import { LabError, log, runLive, runSync, which } from "./util.js";

interface Need {
  pkg: string;
  ok: () => boolean;
  what: string;
}

function kernelWithBatman(): boolean {
  try {
    return readdirSync("/lib/modules").some((v) => existsSync(`/lib/modules/${v}/kernel/net/batman-adv/batman-adv.ko`) && existsSync(`/boot/vmlinuz-${v}`));
  } catch {
    return false;
  }
}

function dpkgInstalled(pkg: string): boolean {
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a dpkg-query format, not a template
  const r = runSync("dpkg-query", ["-W", "-f=${Status}", pkg], 10_000);
  return r.code === 0 && r.stdout.includes("install ok installed");
}

const NEEDS: Need[] = [
  { pkg: "qemu-system-x86", ok: () => which("qemu-system-x86_64") !== null, what: "qemu-system-x86_64" },
  { pkg: "linux-image-amd64", ok: kernelWithBatman, what: "a Debian kernel with the batman-adv module" },
  { pkg: "busybox-static", ok: () => dpkgInstalled("busybox-static") && existsSync("/bin/busybox"), what: "static busybox for the initramfs" },
  { pkg: "batctl", ok: () => which("batctl") !== null, what: "batctl" },
  { pkg: "alfred", ok: () => which("alfred") !== null, what: "alfred" },
  { pkg: "iproute2", ok: () => which("ip") !== null && which("tc") !== null, what: "ip and tc" },
  { pkg: "kmod", ok: () => which("depmod") !== null || existsSync("/sbin/depmod"), what: "depmod/modprobe" },
  { pkg: "prometheus", ok: () => which("prometheus") !== null && which("promtool") !== null, what: "prometheus and promtool (a lab test scrapes the agents)" },
  { pkg: "iputils-ping", ok: () => which("ping") !== null, what: "ping (the agents' uplink probe and the healing scenarios' delivery measurements)" },
  { pkg: "util-linux", ok: () => which("nsenter") !== null, what: "nsenter" },
  { pkg: "procps", ok: () => which("pkill") !== null, what: "pkill (pauses the lab's sampler while a benchmark runs)" },
  { pkg: "gcc", ok: () => which("gcc") !== null, what: "gcc (builds the lab's netlink sampler)" },
  { pkg: "libc6-dev", ok: () => existsSync("/usr/include/stdio.h"), what: "C headers" },
  { pkg: "linux-libc-dev", ok: () => existsSync("/usr/include/linux/batman_adv.h"), what: "linux/batman_adv.h" },
];

export async function ensureDeps(): Promise<void> {
  const missing = NEEDS.filter((n) => !n.ok());
  if (missing.length === 0) return;
  const pkgs = missing.map((n) => n.pkg);
  const why = missing.map((n) => `${n.pkg} (${n.what})`).join(", ");
  if (process.getuid?.() !== 0) {
    throw new LabError(`missing Debian packages: ${why}. Run as root to install them, or: sudo apt-get install -y ${pkgs.join(" ")}`);
  }
  if (which("apt-get") === null) throw new LabError(`missing ${why} and apt-get is not available`);
  log(`installing ${pkgs.join(" ")} with apt-get`);
  const env = ["env", "DEBIAN_FRONTEND=noninteractive"];
  let code = await runLive(env[0] as string, [...env.slice(1), "apt-get", "install", "-y", "-q", "--no-install-recommends", ...pkgs], 15 * 60_000);
  if (code !== 0) {
    log("apt-get install failed; running apt-get update and retrying");
    await runLive("apt-get", ["update", "-q"], 10 * 60_000);
    code = await runLive(env[0] as string, [...env.slice(1), "apt-get", "install", "-y", "-q", "--no-install-recommends", ...pkgs], 15 * 60_000);
  }
  const still = NEEDS.filter((n) => !n.ok());
  if (code !== 0 || still.length > 0) {
    throw new LabError(`could not install ${still.map((n) => n.pkg).join(" ") || pkgs.join(" ")} (apt-get exit ${code})`);
  }
}
