/** Files on quickjs-ng: our native module's errno-carrying helpers. */
import * as native from 'x0tta6bl4:native';
import { type Files, throwingHostErrors } from '../types.js';
import { toHostError } from './errors.js';

function wrap<A extends unknown[], R>(fn: (...a: A) => R): (...a: A) => R {
  return throwingHostErrors(toHostError, fn);
}

export const files: Files = {
  readBytes: wrap((path: string, maxBytes = 16 << 20) => native.readFile(path, maxBytes)),
  readText: wrap((path: string, maxBytes = 16 << 20) => native.utf8Decode(native.readFile(path, maxBytes))),
  writeAtomic: wrap((path: string, data: Uint8Array | string, mode = 0o644) => native.writeFileAtomic(path, data, mode)),
  append: wrap((path: string, data: Uint8Array | string, mode = 0o644) => native.appendFile(path, data, mode)),
  stat: wrap((path: string) => native.stat(path)),
  mkdirp: wrap((path: string, mode = 0o755) => {
    let prefix = path.startsWith('/') ? '/' : '';
    for (const part of path.split('/').filter((p) => p.length > 0)) {
      prefix += `${part}/`;
      native.mkdir(prefix, mode);
    }
  }),
  readdir: wrap((path: string) => native.readdir(path)),
  remove: wrap((path: string) => native.unlink(path)),
  rename: wrap((from: string, to: string) => native.rename(from, to)),
};
