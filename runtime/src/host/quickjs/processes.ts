/** Child processes on quickjs-ng: os.exec with pipes read from the poll loop. */
import * as os from 'qjs:os';
import * as native from 'x0tta6bl4:native';
import type { Processes, SpawnOptions, SpawnResult } from '../types.js';
import { HostError } from '../types.js';

/** Drain a pipe into a bounded buffer; calls done() at EOF. */
function collect(fd: number, max: number, done: (text: string) => void): void {
  const chunks: Uint8Array[] = [];
  let kept = 0;
  const buf = new Uint8Array(16384);
  os.setReadHandler(fd, () => {
    const n = os.read(fd, buf.buffer as ArrayBuffer, 0, buf.length);
    if (n > 0) {
      if (kept < max) {
        const take = Math.min(n, max - kept);
        chunks.push(buf.slice(0, take));
        kept += take;
      }
      return;
    }
    if (n < 0 && -n === native.EAGAIN) return;
    os.setReadHandler(fd, null);
    os.close(fd);
    const all = new Uint8Array(kept);
    let off = 0;
    for (const c of chunks) {
      all.set(c, off);
      off += c.length;
    }
    done(native.utf8Decode(all));
  });
}

const signalNames: Record<number, string> = {
  [native.SIGHUP]: 'SIGHUP',
  [native.SIGINT]: 'SIGINT',
  [native.SIGTERM]: 'SIGTERM',
  [native.SIGKILL]: 'SIGKILL',
  [native.SIGUSR1]: 'SIGUSR1',
  [native.SIGUSR2]: 'SIGUSR2',
  [native.SIGCHLD]: 'SIGCHLD',
};

export const processes: Processes = {
  pid: native.getpid(),
  run(argv: string[], opts: SpawnOptions = {}): Promise<SpawnResult> {
    return new Promise((resolve, reject) => {
      const out = os.pipe();
      const err = os.pipe();
      if (out === null || err === null) {
        reject(new HostError('run: cannot create pipes', 'EMFILE', 24));
        return;
      }
      let pid: number;
      try {
        pid = os.exec(argv, {
          block: false,
          usePath: true,
          stdout: out[1],
          stderr: err[1],
          ...(opts.env ? { env: opts.env } : {}),
        });
      } catch (e) {
        for (const fd of [...out, ...err]) os.close(fd);
        reject(new HostError(`run ${argv[0]}: ${String((e as Error).message ?? e)}`, 'ENOENT', 2));
        return;
      }
      os.close(out[1]);
      os.close(err[1]);
      const max = opts.maxOutput ?? 65536;
      let stdout = '';
      let stderr = '';
      let open = 2;
      let timedOut = false;
      const killer = os.setTimeout(() => {
        timedOut = true;
        os.kill(pid, native.SIGKILL);
      }, opts.timeoutMs ?? 10000);
      const reap = (): void => {
        const [ret, status] = os.waitpid(pid, os.WNOHANG);
        if (ret !== pid) {
          // Output closed before exit: poll briefly rather than block the loop.
          os.setTimeout(reap, 5);
          return;
        }
        os.clearTimeout(killer);
        const signaled = (status & 0x7f) !== 0;
        resolve({
          status: signaled ? null : (status >> 8) & 0xff,
          signal: signaled ? (signalNames[status & 0x7f] ?? `SIG${status & 0x7f}`) : null,
          stdout,
          stderr,
          timedOut,
        });
      };
      const closed = (): void => {
        if (--open === 0) reap();
      };
      collect(out[0], max, (t) => {
        stdout = t;
        closed();
      });
      collect(err[0], max, (t) => {
        stderr = t;
        closed();
      });
    });
  },
};
