/** The error for a file that cannot be read: what went wrong in words, not an errno. */
import { DbrollbackError } from '../errors.js';

export function unreadableFile(file: string, cause: unknown): DbrollbackError {
  const code = (cause as NodeJS.ErrnoException).code;
  const why = code === 'ENOENT' ? 'no such file or directory' : code === 'EACCES' ? 'permission denied' : (cause as Error).message;
  return new DbrollbackError('FILE_UNREADABLE', `cannot read ${file}: ${why}`, {
    hint: 'Check the path and its permissions.',
    cause,
  });
}
