/**
 * Combining verdicts: a statement's axes from its rule hits, and a file's
 * axes as the worst of its statements.
 */
import { strongest } from './locks.js';
import type { Compatibility, DataLoss, Effect, StatementVerdict, VerdictAxes } from './types.js';

const DATA_LOSS_RANK: Record<DataLoss, number> = { none: 0, rewrite: 1, destructive: 2 };

export function worseDataLoss(a: DataLoss, b: DataLoss): DataLoss {
  return DATA_LOSS_RANK[b] > DATA_LOSS_RANK[a] ? b : a;
}

export function worseCompatibility(a: Compatibility, b: Compatibility): Compatibility {
  return a === 'breaking' || b === 'breaking' ? 'breaking' : 'additive';
}

/** false beats null beats true: one irreversible step makes the whole irreversible; unknown stays unknown. */
export function andReversible(a: boolean | null, b: boolean | null): boolean | null {
  if (a === false || b === false) return false;
  if (a === null || b === null) return null;
  return true;
}

export interface AxesFromEffects {
  compatibility: Compatibility;
  dataLoss: DataLoss;
  reversible: boolean | null;
  rewritesTable: boolean;
  longValidation: boolean;
}

export function axesFromEffects(effects: Effect[]): AxesFromEffects {
  let compatibility: Compatibility = 'additive';
  let dataLoss: DataLoss = 'none';
  let rewritesTable = false;
  let longValidation = false;
  let irreversible = false;
  let opaque = false;
  for (let i = 0; i < effects.length; i++) {
    const e = effects[i]!;
    if (e.compatibility) compatibility = 'breaking';
    if (e.dataLoss) dataLoss = worseDataLoss(dataLoss, e.dataLoss);
    if (e.rewritesTable) rewritesTable = true;
    if (e.longValidation) longValidation = true;
    if (e.reversible === false) irreversible = true;
    if (e.opaque) opaque = true;
  }
  const reversible = irreversible || dataLoss !== 'none' ? false : opaque ? null : true;
  return { compatibility, dataLoss, reversible, rewritesTable, longValidation };
}

export type Summary = VerdictAxes;

/** The worst of a list of statements (an empty list is additive, lossless, reversible). */
export function summarize(statements: readonly StatementVerdict[]): Summary {
  const out: Summary = {
    compatibility: 'additive',
    dataLoss: 'none',
    reversible: true,
    lock: null,
    rewritesTable: false,
    longValidation: false,
    transactional: true,
  };
  for (let i = 0; i < statements.length; i++) {
    const s = statements[i]!;
    out.compatibility = worseCompatibility(out.compatibility, s.compatibility);
    out.dataLoss = worseDataLoss(out.dataLoss, s.dataLoss);
    out.reversible = andReversible(out.reversible, s.reversible);
    out.lock = strongest(out.lock, s.lock);
    out.rewritesTable ||= s.rewritesTable;
    out.longValidation ||= s.longValidation;
    out.transactional &&= s.transactional;
  }
  return out;
}
