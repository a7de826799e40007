/**
 * How `classify` reads a Sqitch deploy script without running it: the
 * script is the up (inside a transaction when it opens one itself, as
 * Sqitch's templates do), the script of the same name in ../revert/ the
 * down. Files outside a deploy/ folder are not Sqitch's to read.
 */
import path from 'node:path';
import type { SqlFileReader } from '../tool.js';

const OPENS_TRANSACTION = /^\s*BEGIN\s*;/im;

export const SQITCH_SQL_READER: SqlFileReader = {
  read(file, text, files) {
    if (path.basename(path.dirname(path.resolve(file))) !== 'deploy') return null;
    const revert = path.join(path.dirname(path.dirname(path.resolve(file))), 'revert', path.basename(file));
    return {
      up: { text, path: file, firstLine: 1, inTransaction: OPENS_TRANSACTION.test(text) },
      down: () => {
        if (!files.exists(revert)) return { kind: 'missing', path: null };
        const downText = files.read(revert);
        return { kind: 'yes', text: downText, path: revert, firstLine: 1, inTransaction: OPENS_TRANSACTION.test(downText) };
      },
    };
  },
};
