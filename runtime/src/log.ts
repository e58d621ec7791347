/** Levelled logging on top of the host's logger (stderr, and syslog when opened). */
import type { Host, LogLevel } from './host/index.js';

const RANK: Record<LogLevel, number> = { debug: 0, info: 1, notice: 2, warning: 3, err: 4, crit: 5 };

export interface Log {
  debug(msg: string): void;
  info(msg: string): void;
  notice(msg: string): void;
  warning(msg: string): void;
  err(msg: string): void;
  setLevel(level: LogLevel): void;
}

export function createLog(host: Host, level: LogLevel): Log {
  let min = RANK[level];
  const at = (l: LogLevel) => (msg: string) => {
    if (RANK[l] >= min) host.logger.log(l, msg);
  };
  return {
    debug: at('debug'),
    info: at('info'),
    notice: at('notice'),
    warning: at('warning'),
    err: at('err'),
    setLevel(l) {
      min = RANK[l];
    },
  };
}
