/**
 * Globals that Node has and quickjs-ng lacks, installed once at start-up so that
 * code outside host/ can use the same names on both engines.
 */
import * as os from 'qjs:os';
import * as std from 'qjs:std';
import * as native from 'x0tta6bl4:native';

class Utf8Encoder {
  readonly encoding = 'utf-8';
  encode(input = ''): Uint8Array {
    return native.utf8Encode(input);
  }
}

class Utf8Decoder {
  readonly encoding = 'utf-8';
  decode(input?: Uint8Array | ArrayBuffer): string {
    if (input === undefined) return '';
    return native.utf8Decode(input instanceof Uint8Array ? input : new Uint8Array(input));
  }
}

function format(args: unknown[]): string {
  return args
    .map((a) => {
      if (typeof a === 'string') return a;
      if (a instanceof Error) return a.stack ? `${a.name}: ${a.message}\n${a.stack}` : `${a.name}: ${a.message}`;
      try {
        return JSON.stringify(a) ?? String(a);
      } catch {
        return String(a);
      }
    })
    .join(' ');
}

export function installGlobals(): void {
  const g = globalThis as Record<string, unknown>;
  g.TextEncoder ??= Utf8Encoder;
  g.TextDecoder ??= Utf8Decoder;
  g.setTimeout ??= os.setTimeout;
  g.clearTimeout ??= os.clearTimeout;
  g.setInterval ??= os.setInterval;
  g.clearInterval ??= os.clearInterval;
  const con = (g.console ?? {}) as Record<string, unknown>;
  const toErr = (...args: unknown[]): void => {
    std.err.puts(`${format(args)}\n`);
    std.err.flush();
  };
  con.error ??= toErr;
  con.warn ??= toErr;
  g.console = con;
}

// Installed as soon as this module is evaluated: other modules may create a
// TextDecoder at their top level.
installGlobals();
