/**
 * Whether a file exists, answered from the folder listings classify has
 * already read where it can: a reader asks about a file beside each file it
 * reads (the `.down.sql` of a `.up.sql`, drizzle's `meta/_journal.json`), and
 * one `existsSync` per file per question was ~5 % of a 1,000-file classify.
 * A path outside the listed folders is asked of the file system once, and
 * so is a name the listing holds only in another case (`1_a.DOWN.SQL` for
 * `1_a.down.sql`: the same file on a case-insensitive file system).
 * Answers hold for one classify run (the listings are read at its start).
 *
 * It also keeps each file's text for the run: without --migrator a .sql file
 * was read three times (detection's evidence, the readers' comparison in
 * firstDifference, classifying it), and so was its down.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { FileProbe } from './tool.js';

export class ListedFiles implements FileProbe {
  private readonly listings = new Map<string, { names: ReadonlySet<string>; lowerCase?: ReadonlySet<string>; array?: readonly string[] }>();
  /** Answers given, by path (a path outside the listings was asked of the file system once). */
  private readonly asked = new Map<string, boolean>();
  private readonly texts = new Map<string, string>();

  /** The names a folder holds (as readdir gave them). */
  addListing(dir: string, names: ReadonlySet<string>): void {
    this.listings.set(dir, { names });
  }

  list(dir: string): readonly string[] {
    let listed = this.listings.get(dir);
    if (!listed) {
      // A folder classify did not list itself (a file given alone): read once, kept for the run.
      let names: string[] = [];
      try {
        names = readdirSync(dir);
      } catch {
        // Unreadable: nothing beside the file, as a missing down reads.
      }
      listed = { names: new Set(names) };
      this.listings.set(dir, listed);
    }
    listed.array ??= [...listed.names];
    return listed.array;
  }

  exists(file: string): boolean {
    // Each tool's reader asks about the same files (a .up.sql's .down.sql): answered once.
    let known = this.asked.get(file);
    if (known !== undefined) return known;
    known = this.lookUp(file);
    this.asked.set(file, known);
    return known;
  }

  private lookUp(file: string): boolean {
    const listed = this.listings.get(path.dirname(file));
    if (listed) {
      const name = path.basename(file);
      if (listed.names.has(name)) return true;
      listed.lowerCase ??= new Set([...listed.names].map((n) => n.toLowerCase()));
      if (!listed.lowerCase.has(name.toLowerCase())) return false;
    }
    return existsSync(file);
  }

  read(file: string): string {
    let text = this.texts.get(file);
    if (text === undefined) {
      // An error is not kept: each reader that asks reports it as it would have.
      text = readFileSync(file, 'utf8');
      this.texts.set(file, text);
    }
    return text;
  }
}
