/**
 * How classify reads golang-migrate's files: a `VERSION_name.up.sql` with
 * the `.down.sql` of the same VERSION beside it (whatever its name), each run
 * by golang-migrate as one Exec — in no transaction of the tool's own, but a
 * file of several statements is one implicit transaction block, where
 * CONCURRENTLY fails (x-multi-statement, which splits it, is not assumed).
 */
import path from 'node:path';
import { unreadableFile } from '../unreadable-file.js';
import { downKindOf } from '../sql/files.js';
import type { FileProbe, SqlFileReader } from '../tool.js';

const PART = /^([0-9]+)_(.*)\.(up|down)\.sql$/i;

export const GOLANG_MIGRATE_SQL_READER: SqlFileReader = {
  read(file, text, files) {
    const match = PART.exec(path.basename(file));
    if (!match || match[3]!.toLowerCase() !== 'up') return null;
    const version = BigInt(match[1]!);
    return {
      up: { text, path: file, firstLine: 1, inTransaction: 'several-statements' },
      down: () => {
        // Most versions' down has the up's name: asked first, before the folder is listed.
        const sameName = file.replace(/\.up\.sql$/i, '.down.sql');
        const downPath = files.exists(sameName) ? sameName : downOf(files, path.dirname(file), version);
        if (downPath === null) return { kind: 'missing', path: null };
        let downText: string;
        try {
          downText = files.read(downPath);
        } catch (cause) {
          throw unreadableFile(downPath, cause);
        }
        const kind = downKindOf(downText);
        return kind === 'yes' ? { kind, text: downText, path: downPath, firstLine: 1, inTransaction: 'several-statements' } : { kind, path: downPath };
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

/** Each listing's downs by version, built once (a listing is the same array for the whole run). */
const downsByListing = new WeakMap<readonly string[], Map<bigint, string>>();

function downOf(files: FileProbe, dir: string, version: bigint): string | null {
  // The folder's listing, read once per classify run: asked for every up without a same-named down.
  const names = files.list(dir);
  let downs = downsByListing.get(names);
  if (!downs) {
    downs = new Map();
    for (const n of names) {
      const m = PART.exec(n);
      if (m !== null && m[3]!.toLowerCase() === 'down' && !downs.has(BigInt(m[1]!))) downs.set(BigInt(m[1]!), n);
    }
    downsByListing.set(names, downs);
  }
  const down = downs.get(version);
  return down === undefined ? null : path.join(dir, down);
}
