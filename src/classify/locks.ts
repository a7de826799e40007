/**
 * Which table lock a statement takes, and whether it may run inside a
 * transaction block — the PostgreSQL documentation's tables ("Explicit
 * Locking", ALTER TABLE's per-subcommand notes), as code. Locks on objects the
 * file created itself are not reported: nobody else can be waiting on them.
 */
import { alterCmds, as, columnConstraints, list, optionNames, relKey, str, type Fields } from '../sql/ast.js';
import type { FileState } from './file-state.js';
import type { ParsedStatement } from '../sql/parser.js';
import { LOCK_LEVELS, type LockLevel } from './types.js';

export interface LockFacts {
  lock: LockLevel | null;
  transactional: boolean;
}

export function strongest(a: LockLevel | null, b: LockLevel | null): LockLevel | null {
  if (a === null) return b;
  if (b === null) return a;
  return LOCK_LEVELS.indexOf(a) >= LOCK_LEVELS.indexOf(b) ? a : b;
}

const AE: LockLevel = 'ACCESS EXCLUSIVE';
const SUE: LockLevel = 'SHARE UPDATE EXCLUSIVE';
const SRE: LockLevel = 'SHARE ROW EXCLUSIVE';

/** LOCK TABLE's mode numbers (lockdefs.h) → names. */
const LOCK_MODES: Record<number, LockLevel> = {
  1: 'ACCESS SHARE',
  2: 'ROW SHARE',
  3: 'ROW EXCLUSIVE',
  4: SUE,
  5: 'SHARE',
  6: SRE,
  7: 'EXCLUSIVE',
  8: AE,
};

export function lockFacts(stmt: ParsedStatement, state: FileState, serverVersion: number): LockFacts {
  const n = stmt.node;
  let lock: LockLevel | null = null;
  let transactional = true;
  const on = (rangeVar: unknown, level: LockLevel): void => {
    const key = state.createdAny ? relKey(rangeVar) : undefined;
    if (key && (state.isNew(`table:${key}`) || state.isNew(`view:${key}`))) return;
    lock = strongest(lock, level);
  };

  switch (stmt.kind) {
    case 'AlterTableStmt': {
      // Indexed loops here and below: this runs for every statement, mostly before V8 optimises it.
      const cmds = alterCmds(n);
      for (let i = 0; i < cmds.length; i++) on(n.relation, alterTableLock(cmds[i]!, serverVersion));
      for (let i = 0; i < cmds.length; i++) {
        const cmd = cmds[i]!;
        const con = as(cmd.def, 'Constraint');
        if (str(cmd.subtype) === 'AT_AddConstraint' && str(con?.contype) === 'CONSTR_FOREIGN') on(con?.pktable, SRE);
        if (str(cmd.subtype) === 'AT_DetachPartition' && as(cmd.def, 'PartitionCmd')?.concurrent) transactional = false;
      }
      break;
    }
    case 'CreateStmt': {
      // Foreign keys lock the referenced tables; PARTITION OF locks the parent.
      const elts = list(n.tableElts);
      for (let i = 0; i < elts.length; i++) {
        const tableConstraint = as(elts[i], 'Constraint');
        if (str(tableConstraint?.contype) === 'CONSTR_FOREIGN') on(tableConstraint?.pktable, SRE);
        const inline = columnConstraints(as(elts[i], 'ColumnDef'));
        for (let k = 0; k < inline.length; k++) if (str(inline[k]!.contype) === 'CONSTR_FOREIGN') on(inline[k]!.pktable, SRE);
      }
      if (n.partbound) for (const parent of list(n.inhRelations)) on(parent, AE);
      break;
    }
    case 'IndexStmt':
      on(n.relation, n.concurrent ? SUE : 'SHARE');
      if (n.concurrent) transactional = false;
      break;
    case 'DropStmt': {
      const type = str(n.removeType);
      if (n.concurrent) {
        transactional = false;
        lock = SUE;
      } else if (['OBJECT_TABLE', 'OBJECT_INDEX', 'OBJECT_VIEW', 'OBJECT_MATVIEW', 'OBJECT_SEQUENCE', 'OBJECT_FOREIGN_TABLE'].includes(type ?? '')) {
        for (const obj of list(n.objects)) {
          const parts = list(as(obj, 'List')?.items).map((i) => str(as(i, 'String')?.sval));
          const key = parts.length > 1 ? `${parts[parts.length - 2]}.${parts[parts.length - 1]}` : `public.${parts[0]}`;
          const kind = type === 'OBJECT_INDEX' ? 'index' : type === 'OBJECT_VIEW' ? 'view' : type === 'OBJECT_SEQUENCE' ? 'sequence' : 'table';
          if (!state.isNew(`${kind}:${key}`)) lock = AE;
        }
      } else if (type === 'OBJECT_TRIGGER' || type === 'OBJECT_POLICY' || type === 'OBJECT_RULE') {
        lock = AE;
      }
      break;
    }
    case 'RenameStmt':
      if (n.relation) on(n.relation, str(n.renameType) === 'OBJECT_INDEX' && serverVersion >= 12 ? SUE : AE);
      break;
    case 'AlterObjectSchemaStmt':
      if (n.relation) on(n.relation, AE);
      break;
    case 'TruncateStmt':
      for (const r of list(n.relations)) on(r, AE);
      break;
    case 'DeleteStmt':
    case 'UpdateStmt':
    case 'InsertStmt':
    case 'MergeStmt':
      on(n.relation, 'ROW EXCLUSIVE');
      break;
    case 'VacuumStmt': {
      const opts = optionNames(n.options);
      const full = opts.includes('full');
      for (const r of list(n.rels)) on(as(r, 'VacuumRelation')?.relation, full ? AE : SUE);
      if (list(n.rels).length === 0) lock = full ? AE : SUE;
      if (n.is_vacuumcmd) transactional = false;
      break;
    }
    case 'ClusterStmt':
      if (n.relation) on(n.relation, AE);
      else lock = AE;
      break;
    case 'ReindexStmt': {
      const concurrent = optionNames(n.params).includes('concurrently');
      if (n.relation) on(n.relation, concurrent ? SUE : AE);
      else lock = concurrent ? SUE : AE;
      if (concurrent || str(n.kind) === 'REINDEX_OBJECT_SCHEMA' || str(n.kind) === 'REINDEX_OBJECT_DATABASE' || str(n.kind) === 'REINDEX_OBJECT_SYSTEM') transactional = false;
      break;
    }
    case 'LockStmt':
      for (const r of list(n.relations)) on(r, LOCK_MODES[Number(n.mode)] ?? AE);
      break;
    case 'RefreshMatViewStmt':
      on(n.relation, n.concurrent ? 'EXCLUSIVE' : AE);
      break;
    case 'CreateTrigStmt':
      on(n.relation, SRE);
      break;
    case 'CreatePolicyStmt':
    case 'AlterPolicyStmt':
      on(n.table, AE);
      break;
    case 'CommentStmt':
      break;
    case 'AlterEnumStmt':
      // ADD VALUE cannot run in a transaction block before PostgreSQL 12.
      if (!n.oldVal && serverVersion < 12) transactional = false;
      break;
    case 'CreatedbStmt':
    case 'DropdbStmt':
    case 'AlterSystemStmt':
    case 'CreateTableSpaceStmt':
    case 'DropTableSpaceStmt':
      transactional = false;
      break;
    case 'AlterDomainStmt':
      if (str(n.subtype) === 'C' || str(n.subtype) === 'O') lock = 'SHARE';
      break;
  }
  return { lock, transactional };
}

function alterTableLock(cmd: Fields, serverVersion: number): LockLevel {
  switch (str(cmd.subtype)) {
    case 'AT_SetStatistics':
    case 'AT_SetOptions':
    case 'AT_ResetOptions':
    case 'AT_ValidateConstraint':
    case 'AT_ClusterOn':
    case 'AT_DropCluster':
    case 'AT_SetRelOptions':
    case 'AT_ResetRelOptions':
      return SUE;
    case 'AT_EnableTrig':
    case 'AT_EnableAlwaysTrig':
    case 'AT_EnableReplicaTrig':
    case 'AT_DisableTrig':
    case 'AT_EnableTrigAll':
    case 'AT_DisableTrigAll':
    case 'AT_EnableTrigUser':
    case 'AT_DisableTrigUser':
      return SRE;
    case 'AT_AddConstraint':
      return str(as(cmd.def, 'Constraint')?.contype) === 'CONSTR_FOREIGN' ? SRE : AE;
    case 'AT_AttachPartition':
      // The parent takes SHARE UPDATE EXCLUSIVE from 12 on; the table being attached always ACCESS EXCLUSIVE.
      return AE;
    case 'AT_DetachPartition':
      return as(cmd.def, 'PartitionCmd')?.concurrent && serverVersion >= 14 ? SUE : AE;
    default:
      return AE;
  }
}
