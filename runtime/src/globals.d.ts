// The web-interop globals every engine offers once its host is installed: Node has
// them natively; the quickjs-ng host adds them (runtime/src/host/quickjs/globals.ts).
// tsconfig's lib is plain ES2023, so they are declared here and nothing else is.

declare class TextEncoder {
  encode(input?: string): Uint8Array;
}
declare class TextDecoder {
  constructor(label?: string, options?: { fatal?: boolean });
  decode(input?: Uint8Array): string;
}
declare const console: {
  log(...args: unknown[]): void;
  error(...args: unknown[]): void;
  warn(...args: unknown[]): void;
};
declare function setTimeout(fn: () => void, ms?: number): unknown;
declare function clearTimeout(handle: unknown): void;
declare function setInterval(fn: () => void, ms?: number): unknown;
declare function clearInterval(handle: unknown): void;
declare function queueMicrotask(fn: () => void): void;
/** Replaced at build time by esbuild with package.json's version. */
declare const __X0_VERSION__: string;
/** Replaced at build time by esbuild with the dashboard's files (runtime/web/: name -> text). */
declare const __X0_WEB__: Record<string, string>;
