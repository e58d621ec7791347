/// <reference types="node" />
// The lab VM: Debian's kernel under QEMU (TCG unless KVM really works), the host's
// root shared read-only over virtio-9p, and a virtio-serial control port that the
// host reaches through a Unix socket.
import { type ChildProcess, spawn } from "node:child_process";
import { closeSync, copyFileSync, existsSync, mkdtempSync, openSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { type Socket, connect } from "node:net";
import { tmpdir, cpus } from "node:os";
import { join } from "node:path";
import type { GuestEvent } from "./protocol.js";
import type { Kernel } from "./initramfs.js";
import { LabError, cacheDir, log, onCleanup, runSync, sha256, sleep, warn } from "./util.js";

export interface VmOptions {
  kernel: Kernel;
  initrd: string;
  guestScript: string; // absolute host path of dist/lab/guest.mjs
  /** Host paths under /tmp or /run the guest must still see (bind-mounted over its tmpfs). */
  keepPaths?: readonly string[];
  memMb?: number;
  cpus?: number;
  accel?: "auto" | "kvm" | "tcg";
  bootTimeoutMs?: number;
}

type Pending = { resolve: (v: unknown) => void; reject: (e: Error) => void; timer: NodeJS.Timeout };

/** Line-delimited JSON request/response + event stream over the control socket. */
export class GuestConn {
  private buf = "";
  private nextId = 1;
  private pending = new Map<number, Pending>();
  private listeners: ((ev: GuestEvent) => void)[] = [];
  closed = false;
  constructor(private sock: Socket) {
    sock.setEncoding("utf8");
    sock.on("data", (d: string) => this.onData(d));
    sock.on("close", () => this.onClose("control channel closed"));
    sock.on("error", (e) => this.onClose(`control channel error: ${e.message}`));
  }
  onEvent(fn: (ev: GuestEvent) => void): () => void {
    this.listeners.push(fn);
    return () => {
      this.listeners = this.listeners.filter((f) => f !== fn);
    };
  }
  private onData(d: string): void {
    this.buf += d;
    let nl = this.buf.indexOf("\n");
    while (nl >= 0) {
      const line = this.buf.slice(0, nl);
      this.buf = this.buf.slice(nl + 1);
      nl = this.buf.indexOf("\n");
      if (!line.trim()) continue;
      let msg: { id?: number; ok?: boolean; result?: unknown; error?: string; ev?: GuestEvent };
      try {
        msg = JSON.parse(line);
      } catch {
        warn(`guest sent a non-JSON line: ${line.slice(0, 200)}`);
        continue;
      }
      if (msg.ev) {
        for (const fn of this.listeners) fn(msg.ev);
      } else if (typeof msg.id === "number") {
        const p = this.pending.get(msg.id);
        if (!p) continue;
        this.pending.delete(msg.id);
        clearTimeout(p.timer);
        if (msg.ok) p.resolve(msg.result);
        else p.reject(new LabError(`guest: ${msg.error ?? "unknown error"}`));
      }
    }
  }
  private onClose(why: string): void {
    if (this.closed) return;
    this.closed = true;
    for (const p of this.pending.values()) {
      clearTimeout(p.timer);
      p.reject(new LabError(why));
    }
    this.pending.clear();
  }
  request<T = unknown>(op: string, args: Record<string, unknown> = {}, timeoutMs = 30_000): Promise<T> {
    if (this.closed) return Promise.reject(new LabError("control channel closed"));
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new LabError(`guest op ${op} timed out after ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject, timer });
      this.sock.write(`${JSON.stringify({ id, op, ...args })}\n`);
    });
  }
  end(): void {
    this.sock.destroy();
  }
}

function qemuBaseArgs(o: { kernel: Kernel; initrd: string; accel: "kvm" | "tcg"; memMb: number; cpus: number; append: string; consoleLog: string }): string[] {
  const accel = o.accel === "kvm" ? ["-accel", "kvm", "-cpu", "host"] : ["-accel", "tcg,thread=multi", "-cpu", "max"];
  return [
    ...accel,
    "-m", String(o.memMb),
    "-smp", String(o.cpus),
    "-nodefaults", "-no-user-config", "-display", "none", "-no-reboot",
    "-kernel", o.kernel.vmlinuz,
    "-initrd", o.initrd,
    "-append", `console=ttyS0 quiet panic=-1 random.trust_cpu=on ${o.append}`,
    "-chardev", `file,id=con,path=${o.consoleLog}`,
    "-serial", "chardev:con",
    "-device", "virtio-rng-pci",
  ];
}

function spawnQemu(args: string[]): ChildProcess {
  // setpriv --pdeathsig: QEMU dies with us even if we are SIGKILLed.
  return spawn("setpriv", ["--pdeathsig", "SIGKILL", "--", "qemu-system-x86_64", ...args], { stdio: ["ignore", "ignore", "pipe"] });
}

function waitExit(p: ChildProcess, ms: number): Promise<boolean> {
  if (p.exitCode !== null || p.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const t = setTimeout(() => resolve(false), ms);
    p.once("exit", () => {
      clearTimeout(t);
      resolve(true);
    });
  });
}

/** KVM only if a probe boot under KVM reaches /init; cached per kernel, QEMU and CPU. */
export async function detectAccel(kernel: Kernel, initrd: string): Promise<"kvm" | "tcg"> {
  const forced = process.env.X0_LAB_ACCEL;
  if (forced === "kvm" || forced === "tcg") return forced;
  if (!existsSync("/dev/kvm")) return "tcg";
  try {
    closeSync(openSync("/dev/kvm", "r+"));
  } catch {
    return "tcg";
  }
  const qv = runSync("qemu-system-x86_64", ["--version"], 10_000).stdout.split("\n")[0] ?? "";
  const cpu = (readFileSync("/proc/cpuinfo", "utf8").match(/model name\s*:\s*(.*)/) ?? [])[1] ?? "";
  const key = sha256(kernel.version, qv, cpu, String(cpus().length)).slice(0, 16);
  const file = join(cacheDir(), `kvm-${key}.json`);
  if (existsSync(file)) {
    try {
      const r = JSON.parse(readFileSync(file, "utf8")) as { accel: "kvm" | "tcg" };
      return r.accel;
    } catch {
      /* re-probe */
    }
  }
  log("checking whether KVM really works (once per machine)");
  const dir = mkdtempSync(join(tmpdir(), "x0lab-kvm-"));
  const consoleLog = join(dir, "console.log");
  const p = spawnQemu(qemuBaseArgs({ kernel, initrd, accel: "kvm", memMb: 256, cpus: 1, append: "lab.mode=probe", consoleLog }));
  const kill = () => p.kill("SIGKILL");
  const off = onCleanup(kill);
  let accel: "kvm" | "tcg" = "tcg";
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline && p.exitCode === null) {
    await sleep(250);
    if (existsSync(consoleLog) && readFileSync(consoleLog, "utf8").includes("LAB-INIT-OK")) {
      accel = "kvm";
      break;
    }
  }
  kill();
  await waitExit(p, 5000);
  off();
  rmSync(dir, { recursive: true, force: true });
  log(`KVM ${accel === "kvm" ? "works" : "does not work here; using TCG (software emulation)"}`);
  writeFileSync(file, JSON.stringify({ accel, checked: new Date().toISOString() }));
  return accel;
}

/** Temp dirs of labs whose process died without cleaning up (e.g. SIGKILL). */
function removeStaleDirs(): void {
  for (const d of readdirSync(tmpdir())) {
    if (!d.startsWith("x0lab-vm-")) continue;
    const dir = join(tmpdir(), d);
    let owner = 0;
    try {
      owner = Number(readFileSync(join(dir, "owner"), "utf8"));
    } catch {
      /* no owner file yet: leave it */
      continue;
    }
    let alive = false;
    try {
      process.kill(owner, 0);
      alive = true;
    } catch {
      alive = false;
    }
    if (!alive) rmSync(dir, { recursive: true, force: true });
  }
}

export class Vm {
  conn!: GuestConn;
  hello!: Extract<GuestEvent, { type: "hello" }>;
  bootMs = 0;
  accel: "kvm" | "tcg" = "tcg";
  private proc!: ChildProcess;
  private dir = "";
  private offCleanup: () => void = () => {};
  private stderr = "";

  get consoleLog(): string {
    return join(this.dir, "console.log");
  }

  static async boot(o: VmOptions): Promise<Vm> {
    const vm = new Vm();
    await vm.start(o);
    return vm;
  }

  private async start(o: VmOptions): Promise<void> {
    this.accel = o.accel && o.accel !== "auto" ? o.accel : await detectAccel(o.kernel, o.initrd);
    removeStaleDirs();
    this.dir = mkdtempSync(join(tmpdir(), "x0lab-vm-"));
    writeFileSync(join(this.dir, "owner"), String(process.pid));
    const sock = join(this.dir, "ctl.sock");
    const args = [
      ...qemuBaseArgs({
        kernel: o.kernel,
        initrd: o.initrd,
        accel: this.accel,
        memMb: o.memMb ?? 2048,
        cpus: o.cpus ?? Math.min(cpus().length, 4),
        append: `lab.guest=${o.guestScript} lab.node=${process.execPath}${(o.keepPaths ?? []).map((p) => ` lab.keep=${p}`).join('')}`,
        consoleLog: this.consoleLog,
      }),
      "-fsdev", "local,id=r,path=/,security_model=none,readonly=on,multidevs=remap",
      "-device", "virtio-9p-pci,fsdev=r,mount_tag=hostroot",
      "-device", "virtio-serial-pci",
      "-chardev", `socket,id=ctl,path=${sock},server=on,wait=off`,
      "-device", "virtserialport,chardev=ctl,name=lab.ctl",
    ];
    const t0 = Date.now();
    log(`booting ${o.kernel.version} under QEMU (${this.accel})`);
    this.proc = spawnQemu(args);
    this.proc.stderr?.setEncoding("utf8");
    this.proc.stderr?.on("data", (d: string) => {
      this.stderr = (this.stderr + d).slice(-4000);
    });
    this.offCleanup = onCleanup(() => this.killNow());
    const bootTimeout = o.bootTimeoutMs ?? 60_000;
    // The control socket exists as soon as QEMU has parsed its arguments.
    let s: Socket | null = null;
    while (!s) {
      if (this.proc.exitCode !== null || this.proc.signalCode !== null) throw this.fail(`QEMU exited (${this.proc.exitCode ?? this.proc.signalCode})`);
      if (Date.now() - t0 > 15_000) throw this.fail("QEMU did not open its control socket within 15 s");
      if (existsSync(sock)) {
        s = await new Promise<Socket | null>((resolve) => {
          const c = connect(sock);
          c.once("connect", () => resolve(c));
          c.once("error", () => resolve(null));
        });
      }
      if (!s) await sleep(50);
    }
    this.conn = new GuestConn(s);
    this.hello = await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(this.fail(`guest did not say hello within ${bootTimeout / 1000} s`)), bootTimeout);
      const exitWatch = setInterval(() => {
        if (this.proc.exitCode !== null || this.proc.signalCode !== null) {
          clearTimeout(timer);
          clearInterval(exitWatch);
          reject(this.fail("QEMU exited during boot"));
        }
      }, 200);
      const off = this.conn.onEvent((ev) => {
        if (ev.type === "hello") {
          clearTimeout(timer);
          clearInterval(exitWatch);
          off();
          resolve(ev);
        }
      });
    });
    this.bootMs = Date.now() - t0;
    log(`guest up in ${(this.bootMs / 1000).toFixed(1)} s (kernel ${this.hello.kernel}, batman-adv ${this.hello.batadv})`);
  }

  private fail(why: string): LabError {
    let con = "";
    try {
      con = readFileSync(this.consoleLog, "utf8").split("\n").slice(-25).join("\n");
    } catch {
      /* none */
    }
    return new LabError(`${why}\n--- QEMU stderr ---\n${this.stderr.trim()}\n--- guest console (last lines) ---\n${con}`);
  }

  /** Copies the console log somewhere that outlives the VM. */
  saveConsole(to: string): void {
    try {
      copyFileSync(this.consoleLog, to);
    } catch {
      /* none */
    }
  }

  private killNow(): void {
    if (this.proc && this.proc.exitCode === null && this.proc.signalCode === null) this.proc.kill("SIGKILL");
    if (this.dir) rmSync(this.dir, { recursive: true, force: true });
  }

  /** Asks the guest to tear down and power off; kills QEMU if that takes too long. */
  async shutdown(timeoutMs = 20_000, saveConsoleTo?: string): Promise<void> {
    if (!this.proc) return;
    if (this.conn && !this.conn.closed) {
      try {
        await this.conn.request("shutdown", {}, timeoutMs);
      } catch {
        /* powering off closes the channel */
      }
    }
    const exited = await waitExit(this.proc, timeoutMs);
    if (!exited) warn("QEMU did not power off in time; killing it");
    this.conn?.end();
    if (saveConsoleTo) this.saveConsole(saveConsoleTo);
    this.killNow();
    await waitExit(this.proc, 5000);
    this.offCleanup();
  }

  get pid(): number | undefined {
    return this.proc?.pid;
  }
}
