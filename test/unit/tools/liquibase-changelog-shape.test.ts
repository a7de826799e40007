import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { downOfShape, readChangelogShape } from '../../../src/tools/liquibase/changelog-shape.js';
import { parseXml, XmlError } from '../../../src/tools/liquibase/xml-tree.js';
import { dirWith, removeTempDirs } from '../../harness/fixtures.js';

afterAll(removeTempDirs);

const XML_HEAD = '<?xml version="1.0" encoding="UTF-8"?>\n<!-- a comment <changeSet id="not-this"> -->\n<databaseChangeLog xmlns="http://www.liquibase.org/xml/ns/dbchangelog">\n';

const downs = async (files: Record<string, string>, root: string) => {
  const dir = await dirWith({});
  for (const [name, text] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(dir, name)), { recursive: true });
    await writeFile(path.join(dir, name), text);
  }
  const shape = await readChangelogShape(dir, root);
  return { shape, downs: shape.changeSets.map((s) => [s.filename, s.id, downOfShape(s).down]) };
};

describe('the shape of a Liquibase changelog: each changeset\'s way back as Liquibase 4.28 decides it', () => {
  it('XML: an explicit rollback (SQL, changes, a changeSetId reference, empty) is yes; only invertible changes is inferred; anything else is missing', async () => {
    const { downs: d, shape } = await downs(
      {
        'master.xml': `${XML_HEAD}
  <changeSet id="sql-rollback" author="a"><sql>CREATE TABLE t (id int)</sql><rollback>DROP TABLE t</rollback></changeSet>
  <changeSet id="change-rollback" author="a"><dropTable tableName="t"/><rollback><createTable tableName="t"><column name="id" type="int"/></createTable></rollback></changeSet>
  <changeSet id="reference" author="a"><sql>UPDATE t SET id = 1</sql><rollback changeSetId="sql-rollback" changeSetAuthor="a"/></changeSet>
  <changeSet id="empty" author="a"><sql><![CDATA[SELECT 1 WHERE 1 < 2]]></sql><rollback/></changeSet>
  <changeSet id="auto" author="a"><comment>inverted by Liquibase</comment><createIndex tableName="t" indexName="i"><column name="id"/></createIndex><addForeignKeyConstraint baseTableName="t" baseColumnNames="id" referencedTableName="u" referencedColumnNames="id" constraintName="f"/></changeSet>
  <changeSet id="drop" author="a"><dropTable tableName="t"/></changeSet>
  <changeSet id="mixed" author="a" runInTransaction="false"><addColumn tableName="t"><column name="c" type="text"/></addColumn><insert tableName="t"><column name="id" valueNumeric="1"/></insert></changeSet>
</databaseChangeLog>`,
      },
      'master.xml',
    );
    expect(d).toEqual([
      ['master.xml', 'sql-rollback', 'yes'],
      ['master.xml', 'change-rollback', 'yes'],
      ['master.xml', 'reference', 'yes'],
      ['master.xml', 'empty', 'yes'],
      ['master.xml', 'auto', 'inferred'],
      ['master.xml', 'drop', 'missing'],
      ['master.xml', 'mixed', 'missing'],
    ]);
    expect(shape.changeSets.map((s) => s.rollback)).toEqual(['sql', 'changes', 'reference', 'empty', 'none', 'none', 'none']);
    expect(shape.changeSets.find((s) => s.id === 'mixed')).toMatchObject({ runInTransaction: false, changes: ['addColumn', 'insert'] });
    expect(downOfShape(shape.changeSets.find((s) => s.id === 'mixed')!).note).toBe('no <rollback>, and Liquibase cannot invert insert');
    expect(shape.incomplete).toBeNull();
  });

  it('YAML and JSON: rollback as text, as changes, as a reference or empty; includes followed relative to the including file, with the FILENAME Liquibase records', async () => {
    const { downs: d, shape } = await downs(
      {
        'db.changelog-master.yaml': 'databaseChangeLog:\n  - include:\n      file: changes/one.yaml\n      relativeToChangelogFile: true\n  - include:\n      file: changes/two.json\n      relativeToChangelogFile: true\n',
        'changes/one.yaml':
          'databaseChangeLog:\n  - changeSet:\n      id: text\n      author: a\n      changes:\n        - sql: { sql: CREATE TABLE t (id int) }\n      rollback: DROP TABLE t\n' +
          '  - changeSet:\n      id: empty\n      author: a\n      changes:\n        - sql: { sql: SELECT 1 }\n      rollback:\n' +
          '  - changeSet:\n      id: renamed\n      author: a\n      changes:\n        - renameColumn: { tableName: t, oldColumnName: a, newColumnName: b }\n',
        'changes/two.json': JSON.stringify({
          databaseChangeLog: [
            { changeSet: { id: 'ref', author: 'a', changes: [{ sql: { sql: 'UPDATE t SET id = 2' } }], rollback: { changeSetId: 'text', changeSetAuthor: 'a' } } },
            { changeSet: { id: 'raw', author: 'a', changes: [{ sql: { sql: 'UPDATE t SET id = 3' } }] } },
          ],
        }),
      },
      'db.changelog-master.yaml',
    );
    expect(d).toEqual([
      ['changes/one.yaml', 'text', 'yes'],
      ['changes/one.yaml', 'empty', 'yes'],
      ['changes/one.yaml', 'renamed', 'inferred'],
      ['changes/two.json', 'ref', 'yes'],
      ['changes/two.json', 'raw', 'missing'],
    ]);
    expect(shape.incomplete).toBeNull();
  });

  it('includeAll is followed as Liquibase includes: every changelog file under the folder, subfolders too, in path order, by a classpath path or relative to the changelog (was: the shape left unknown, every down shown "inferred")', async () => {
    const sql = (id: string, rollback: string) => `--liquibase formatted sql\n\n--changeset a:${id}\nCREATE TABLE ${id.replace(/-/g, '_')} (id int);\n${rollback}\n`;
    const { downs: d, shape } = await downs(
      {
        'db/changelog/db.changelog-master.yaml': 'databaseChangeLog:\n  - includeAll:\n      path: db/changelog/changes/\n',
        'db/changelog/changes/010-b.sql': sql('ten', '--rollback empty'),
        'db/changelog/changes/002-a.yaml': 'databaseChangeLog:\n  - changeSet:\n      id: two\n      author: a\n      changes:\n        - sql: { sql: UPDATE t SET x = 1 }\n',
        'db/changelog/changes/001-a.sql': sql('one', '--rollback DROP TABLE one;'),
        'db/changelog/changes/sub/003-c.sql': sql('three', ''),
        'db/changelog/changes/README.md': '# not a changelog\n',
      },
      'db/changelog/db.changelog-master.yaml',
    );
    expect(d).toEqual([
      ['db/changelog/changes/001-a.sql', 'one', 'yes'],
      ['db/changelog/changes/002-a.yaml', 'two', 'missing'],
      ['db/changelog/changes/010-b.sql', 'ten', 'yes'],
      ['db/changelog/changes/sub/003-c.sql', 'three', 'missing'],
    ]);
    expect(shape.incomplete).toBeNull();
    const relative = await downs({ 'master.xml': `${XML_HEAD}<includeAll path="changes" relativeToChangelogFile="true"/></databaseChangeLog>`, 'changes/1.sql': sql('one', '--rollback not required') }, 'master.xml');
    expect(relative.downs).toEqual([['changes/1.sql', 'one', 'yes']]);
  });

  it('an includeAll of a missing folder or an unreadable include leaves the shape incomplete, saying why', async () => {
    const { shape } = await downs({ 'master.xml': `${XML_HEAD}<includeAll path="changes/"/><include file="nope.xml"/></databaseChangeLog>` }, 'master.xml');
    expect(shape.changeSets).toEqual([]);
    expect(shape.incomplete).toMatch(/^the folder changes that master\.xml includes \(includeAll\) cannot be read: ENOENT/);
  });

  it('parseXml: entities, CDATA and namespace prefixes as Liquibase sees them; malformed XML refused', () => {
    const root = parseXml('<lb:databaseChangeLog xmlns:lb="x"><lb:changeSet id="a&amp;b" author=\'me\'><lb:sql><![CDATA[a < b]]> &gt; c</lb:sql></lb:changeSet></lb:databaseChangeLog>');
    expect(root.name).toBe('databaseChangeLog');
    expect(root.children[0]).toMatchObject({ name: 'changeSet', attrs: { id: 'a&b', author: 'me' } });
    expect(root.children[0]!.children[0]!.text).toBe('a < b > c');
    expect(() => parseXml('<a><b></a>')).toThrow(XmlError);
    expect(() => parseXml('<a>')).toThrow(XmlError);
  });
});
