/** Finding a program: an executable file, and the first one of a name in PATH's directories. */
import { access, constants } from 'node:fs/promises';
import path from 'node:path';

/** Whether the file exists and this user may execute it. */
export function isExecutable(file: string): Promise<boolean> {
  return access(file, constants.X_OK).then(
    () => true,
    () => false,
  );
}

/**
 * The first executable `name` in PATH's directories, in order, or null. `absoluteDirsOnly`: skip relative
 * entries (`.`), so a program run on dbrollback's behalf is never one from the working directory.
 */
export async function onPath(name: string, env: NodeJS.ProcessEnv = process.env, options: { absoluteDirsOnly?: boolean } = {}): Promise<string | null> {
  for (const dir of (env.PATH ?? '').split(path.delimiter)) {
    if (dir === '' || (options.absoluteDirsOnly && !path.isAbsolute(dir))) continue;
    const candidate = path.join(dir, name);
    if (await isExecutable(candidate)) return candidate;
  }
  return null;
}
