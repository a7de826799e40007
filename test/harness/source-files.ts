/** Every .ts file below a folder (the tests that read src/ as text: layers, pause points, suggested commands). */
import { readdir } from 'node:fs/promises';
import path from 'node:path';

export async function sourceFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await sourceFiles(full)));
    else if (entry.name.endsWith('.ts')) out.push(full);
  }
  return out;
}
