/**
 * How `classify` reads a Sqitch deploy script without running it: the
 * script is the up, the script of the same name in ../revert/ the down.
 * Sqitch runs a script through psql as it is — no transaction of its own:
 * the BEGIN and COMMIT its templates write are the script's own. Files
 * outside a deploy/ folder are not Sqitch's to read. A project's folder (the
 * one holding sqitch.conf or sqitch.plan) or its deploy folder is read as
 * the plan lists its changes, in the plan's order (Sqitch's deploy order, a
 * reworked change's earlier scripts `name@tag.sql` where they stand).
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { SqlFileReader } from '../tool.js';
import { readProject } from './project.js';

export const SQITCH_SQL_READER: SqlFileReader = {
  read(file, text, files) {
    if (path.basename(path.dirname(path.resolve(file))) !== 'deploy') return null;
    const revert = path.join(path.dirname(path.dirname(path.resolve(file))), 'revert', path.basename(file));
    return {
      up: { text, path: file, firstLine: 1, inTransaction: false },
      down: () => {
        if (!files.exists(revert)) return { kind: 'missing', path: null };
        const downText = files.read(revert);
        return { kind: 'yes', text: downText, path: revert, firstLine: 1, inTransaction: false };
      },
    };
  },
  migrationFiles(dir) {
    const project = projectOf(path.resolve(dir));
    if (!project) return null;
    return [...new Set(project.changes.map((c) => c.deploy))];
  },
};

/** The Sqitch project whose root or deploy folder `dir` is (sqitch.conf or sqitch.plan there, or up to two levels above), if any. */
function projectOf(dir: string): ReturnType<typeof readProject> | null {
  for (const root of [dir, path.dirname(dir), path.dirname(path.dirname(dir))]) {
    if (!existsSync(path.join(root, 'sqitch.conf')) && !existsSync(path.join(root, 'sqitch.plan'))) continue;
    // The project's own folder: a plan that cannot be read is an error to show, not a folder of loose files.
    if (root === dir) return readProject(root);
    let project;
    try {
      project = readProject(root);
    } catch {
      // A project above this folder whose plan cannot be read: the folder is read as its files.
      continue;
    }
    if (project.deployDir === dir) return project;
  }
  return null;
}
