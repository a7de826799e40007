/**
 * How classify reads golang-migrate's files: a `VERSION_name.up.sql` with
 * the `.down.sql` of the same VERSION beside it (whatever its name), each run
 * by golang-migrate as one Exec — in no transaction of the tool's own (a
 * multi-statement simple query is an implicit transaction block).
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { unreadableFile } from '../unreadable-file.js';
import { downKindOf } from '../sql/files.js';
import type { SqlFileReader } from '../tool.js';

const PART = /^([0-9]+)_(.*)\.(up|down)\.sql$/i;

export const GOLANG_MIGRATE_SQL_READER: SqlFileReader = {
  read(file, text, files) {
    const match = PART.exec(path.basename(file));
    if (!match || match[3]!.toLowerCase() !== 'up') return null;
    const version = BigInt(match[1]!);
    return {
      up: { text, path: file, firstLine: 1 },
      down: () => {
        // Most versions' down has the up's name: asked first, before the folder is listed.
        const sameName = file.replace(/\.up\.sql$/i, '.down.sql');
        const downPath = files.exists(sameName) ? sameName : downOf(path.dirname(file), version);
        if (downPath === null) return { kind: 'missing', path: null };
        let downText: string;
        try {
          downText = readFileSync(downPath, 'utf8');
        } catch (cause) {
          throw unreadableFile(downPath, cause);
        }
        const kind = downKindOf(downText);
        return kind === 'yes' ? { kind, text: downText, path: downPath, firstLine: 1 } : { kind, path: downPath };
      },
    };
  },
  isCompanion(name, names) {
    const match = PART.exec(name);
    if (!match || match[3]!.toLowerCase() !== 'down') return false;
    const version = BigInt(match[1]!);
    for (const other of names) {
      const m = PART.exec(other);
      if (m && m[3]!.toLowerCase() === 'up' && BigInt(m[1]!) === version) return true;
    }
    return false;
  },
  compareFiles(a, b) {
    const [am, bm] = [PART.exec(path.basename(a)), PART.exec(path.basename(b))];
    if (!am || !bm) return a < b ? -1 : a > b ? 1 : 0;
    const [av, bv] = [BigInt(am[1]!), BigInt(bm[1]!)];
    return av < bv ? -1 : av > bv ? 1 : a < b ? -1 : a > b ? 1 : 0;
  },
};

function downOf(dir: string, version: bigint): string | null {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return null;
  }
  const down = names.find((n) => {
    const m = PART.exec(n);
    return m !== null && m[3]!.toLowerCase() === 'down' && BigInt(m[1]!) === version;
  });
  return down === undefined ? null : path.join(dir, down);
}
