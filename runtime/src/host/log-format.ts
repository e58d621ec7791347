/** The one log line format both hosts write to stderr. */
import type { LogLevel } from './types.js';

export function formatLogLine(wallMs: number, level: LogLevel, message: string): string {
  // One record per line: embedded newlines would split a record in logd/syslog.
  return `${new Date(wallMs).toISOString()} ${level} ${message.replace(/\n/g, '\\n')}\n`;
}
