// The analysis scripts' common start: the run directory from the command line and its
// timeline records (one JSON object per line of timeline.jsonl), or the usage and exit 2.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** @param {string} script the calling script's name, for the usage line */
export function readRunTimeline(script) {
  const dir = process.argv[2];
  if (!dir) {
    console.error(`usage: ${script} RUN_DIR (a lab --out directory with timeline.jsonl)`);
    process.exit(2);
  }
  return readFileSync(join(dir, 'timeline.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
}
