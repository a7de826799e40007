/**
 * How classify reads a dbmate migration: the `-- migrate:up` block, and the
 * `-- migrate:down` block read only once the up is classified; each runs in
 * a transaction unless its directive says `transaction:false`.
 */
import { doesNothing } from '../../sql/sql-text.js';
import { IRREVERSIBLE_MARKER } from '../sql/files.js';
import type { SqlFileReader } from '../tool.js';
import { parseSections } from './files.js';

export const DBMATE_SQL_READER: SqlFileReader = {
  read(file, text) {
    const sections = parseSections(text);
    if (!sections) return null;
    return {
      up: { text: sections.up.text, path: file, firstLine: sections.up.firstLine, inTransaction: sections.up.transaction },
      down: () => {
        const down = sections.down;
        if (down === null) return { kind: 'missing', path: null };
        if (IRREVERSIBLE_MARKER.test(down.text)) return { kind: 'irreversible', path: file };
        if (doesNothing(down.text)) return { kind: 'empty', path: file };
        return { kind: 'yes', text: down.text, path: file, firstLine: down.firstLine, inTransaction: down.transaction };
      },
    };
  },
};
