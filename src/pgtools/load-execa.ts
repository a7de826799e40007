/**
 * execa, imported on first use. Loading it costs about 0.1 s of start-up,
 * which commands that spawn no program (undo --no-backup, plan, verify,
 * status) should not pay. Async code awaits `loadExeca()`; `startTool`, which
 * must hand back its child synchronously, takes the loaded module — and every
 * tool run begins with `findBinary()`, which loads it.
 */
import type * as ExecaModule from 'execa';
import { DbrollbackError } from '../errors.js';

export type Execa = typeof ExecaModule;

let loading: Promise<Execa> | undefined;
let loaded: Execa | undefined;

export function loadExeca(): Promise<Execa> {
  loading ??= import('execa').then((m) => (loaded = m));
  return loading;
}

/** The module, once `loadExeca()` has settled. */
export function loadedExeca(): Execa {
  if (!loaded) {
    throw new DbrollbackError('INTERNAL', 'a program was started before execa was loaded (await loadExeca() or findBinary() first)', {
      hint: 'This is a dbrollback bug; please report it.',
    });
  }
  return loaded;
}
