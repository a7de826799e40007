/**
 * `DO $$ BEGIN <statement>; EXCEPTION WHEN duplicate_object THEN null; END $$` — drizzle-kit's way (and many
 * hand-written migrations') to make a CREATE TYPE or ADD CONSTRAINT idempotent — is read as the statement it
 * guards (src/sql/parser.ts), not as an opaque block; any other DO stays opaque. The same answers whether the
 * file was parsed on the parse-ahead thread (this thread then loads its own parser for the guarded statement)
 * or here.
 *
 * No initParser() before the first classify: this file's module state starts without a parser.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { classifyFiles } from '../../../src/classify/classify-files.js';
import { PARSE_AHEAD_MIN_FILES } from '../../../src/sql/parse-ahead.js';
import { parseSql, parserReady } from '../../../src/sql/parser.js';
import { dirWith, removeTempDirs } from '../../harness/fixtures.js';

afterEach(removeTempDirs);

const GUARDED_FK = `DO $$ BEGIN
 ALTER TABLE "members" ADD CONSTRAINT "members_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;
EXCEPTION
 WHEN duplicate_object THEN null;
END $$;
`;

describe('a DO block guarding one statement against "already exists"', () => {
  it('is judged as that statement — the same on the parse-ahead thread as here', async () => {
    const files: Record<string, string> = {
      '000_init.up.sql': 'CREATE TABLE accounts (id serial PRIMARY KEY);\nCREATE TABLE members (id serial PRIMARY KEY, account_id integer NOT NULL);\n',
    };
    for (let i = 1; i < PARSE_AHEAD_MIN_FILES + 4; i++) files[`${String(i).padStart(3, '0')}_m.up.sql`] = i === 40 ? GUARDED_FK : `ALTER TABLE members ADD COLUMN c${i} text;\n`;
    const dir = await dirWith(files);
    expect(parserReady()).toBe(false);
    const ahead = await classifyFiles([dir]);
    const here = await classifyFiles([dir], { parseAhead: false });
    expect(JSON.stringify(ahead)).toBe(JSON.stringify(here));
    const fk = ahead.files.find((f) => f.path.endsWith('040_m.up.sql'))!.statements[0]!;
    expect(fk.sql.startsWith('DO $$')).toBe(true);
    expect(fk.kind).toBe('AlterTableStmt');
    // What the same ALTER TABLE says unwrapped (was: opaque-statement, nothing judged).
    expect(fk.findings.map((f) => f.rule)).toEqual(['add-foreign-key-without-not-valid', 'constraint-tightening']);
    expect(fk.lock).toBe('SHARE ROW EXCLUSIVE');
  });

  it('a guarded CREATE TYPE is a CreateEnumStmt; other DO blocks stay opaque', () => {
    const kind = (sql: string) => parseSql(sql).statements[0]!.kind;
    expect(kind(`DO $$ BEGIN CREATE TYPE "public"."role" AS ENUM('admin', 'member'); EXCEPTION WHEN duplicate_object THEN null; END $$;`)).toBe('CreateEnumStmt');
    expect(kind(`DO $$ BEGIN CREATE TYPE role AS ENUM ('a'); EXCEPTION WHEN duplicate_object OR duplicate_table THEN RAISE NOTICE 'exists, skipping'; END $$;`)).toBe('CreateEnumStmt');
    expect(kind(`DO LANGUAGE plpgsql $$ BEGIN CREATE TYPE role AS ENUM ('a'); EXCEPTION WHEN duplicate_object THEN null; END $$;`)).toBe('CreateEnumStmt');
    // A down's guarded drop: it drops, or the object was not there.
    expect(kind(`DO $$ BEGIN ALTER TABLE members DROP CONSTRAINT members_account_fk; EXCEPTION WHEN undefined_object THEN null; END $$;`)).toBe('AlterTableStmt');
    for (const opaque of [
      // Any error swallowed: the statement may not have run at all.
      `DO $$ BEGIN CREATE TYPE role AS ENUM ('a'); EXCEPTION WHEN others THEN null; END $$;`,
      // Two statements: one may run without the other.
      `DO $$ BEGIN CREATE TYPE a AS ENUM ('x'); CREATE TYPE b AS ENUM ('y'); EXCEPTION WHEN duplicate_object THEN null; END $$;`,
      // PL/pgSQL, not plain SQL.
      `DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_type WHERE typname = 'role') THEN CREATE TYPE role AS ENUM ('a'); END IF; EXCEPTION WHEN duplicate_object THEN null; END $$;`,
      // No handler.
      `DO $$ BEGIN EXECUTE 'DROP TABLE t'; END $$;`,
    ]) {
      expect(kind(opaque)).toBe('DoStmt');
    }
  });
});
