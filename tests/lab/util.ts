/// <reference types="node" />
// Small host-side helpers shared by the lab modules: logging, bounded commands,
// the cache directory and cleanup registration.
import { spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdirSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";

let quiet = false;
export function setQuiet(q: boolean): void {
  quiet = q;
}
export function log(msg: string): void {
  if (!quiet) process.stderr.write(`lab: ${msg}\n`);
}
export function warn(msg: string): void {
  process.stderr.write(`lab: ${msg}\n`);
}

export class LabError extends Error {}

/** ${X0_CACHE:-$HOME/.cache/x0tta6bl4}/lab, created on demand. */
export function cacheDir(): string {
  const base = process.env.X0_CACHE || join(process.env.XDG_CACHE_HOME || join(homedir(), ".cache"), "x0tta6bl4");
  const dir = join(base, "lab");
  mkdirSync(dir, { recursive: true });
  return dir;
}

export function sha256(...parts: (string | Buffer)[]): string {
  const h = createHash("sha256");
  for (const p of parts) h.update(p);
  return h.digest("hex");
}

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command synchronously with a time bound. */
export function runSync(cmd: string, args: string[], timeoutMs = 60_000, input?: string): RunResult {
  const r = spawnSync(cmd, args, { encoding: "utf8", timeout: timeoutMs, input, maxBuffer: 64 << 20 });
  return { code: r.status, stdout: r.stdout ?? "", stderr: (r.stderr ?? "") + (r.error ? String(r.error) : "") };
}

/** Runs a command asynchronously with a time bound, streaming its output to our stderr. */
export function runLive(cmd: string, args: string[], timeoutMs: number): Promise<number | null> {
  return new Promise((resolve) => {
    const p = spawn(cmd, args, { stdio: ["ignore", "inherit", "inherit"] });
    const timer = setTimeout(() => p.kill("SIGKILL"), timeoutMs);
    p.on("close", (code) => {
      clearTimeout(timer);
      resolve(code);
    });
    p.on("error", () => {
      clearTimeout(timer);
      resolve(null);
    });
  });
}

export function which(cmd: string): string | null {
  const r = runSync("sh", ["-c", `command -v ${cmd}`], 5000);
  return r.code === 0 ? r.stdout.trim() : null;
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Cleanup actions run once, in reverse order, on exit, signal or explicit call. */
const cleanups: (() => void)[] = [];
let hooked = false;
export function onCleanup(fn: () => void): () => void {
  cleanups.push(fn);
  if (!hooked) {
    hooked = true;
    process.on("exit", runCleanups);
    for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
      process.on(sig, () => {
        warn(`${sig}: cleaning up`);
        runCleanups();
        process.exit(sig === "SIGINT" ? 130 : 143);
      });
    }
  }
  return () => {
    const i = cleanups.indexOf(fn);
    if (i >= 0) cleanups.splice(i, 1);
  };
}
export function runCleanups(): void {
  while (cleanups.length > 0) {
    const fn = cleanups.pop();
    try {
      fn?.();
    } catch (e) {
      warn(`cleanup failed: ${String(e)}`);
    }
  }
}
