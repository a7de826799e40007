/**
 * Every classification rule, and dispatch by parse-tree node type (and, for
 * ALTER TABLE, by subcommand type). Adding a rule = one file in rules/ (with
 * its examples) + one line here.
 */
import { alterCmds, str } from '../sql/ast.js';
import type { ParsedStatement } from '../sql/parser.js';
import type { Rule } from './rule.js';
import { addCheckWithoutNotValid } from './rules/add-check-without-not-valid.js';
import { addColumnWithUnique } from './rules/add-column-with-unique.js';
import { addExclusionConstraint } from './rules/add-exclusion-constraint.js';
import { addForeignKeyWithoutNotValid } from './rules/add-foreign-key-without-not-valid.js';
import { addIdentityColumn } from './rules/add-identity-column.js';
import { addIdentityToColumn } from './rules/add-identity-to-column.js';
import { addPrimaryKey } from './rules/add-primary-key.js';
import { addStoredGeneratedColumn } from './rules/add-stored-generated-column.js';
import { addUniqueConstraint } from './rules/add-unique-constraint.js';
import { addingFieldWithDefault } from './rules/adding-field-with-default.js';
import { addingRequiredField } from './rules/adding-required-field.js';
import { alterDomainAddConstraint } from './rules/alter-domain-add-constraint.js';
import { attachPartition } from './rules/attach-partition.js';
import { backfillNewColumn } from './rules/backfill-new-column.js';
import { banCharField } from './rules/ban-char-field.js';
import { changeColumnType } from './rules/change-column-type.js';
import { clusterTable } from './rules/cluster-table.js';
import { concurrentIndexIfNotExists } from './rules/concurrent-index-if-not-exists.js';
import { concurrentlyInTransaction } from './rules/concurrently-in-transaction.js';
import { constraintTightening } from './rules/constraint-tightening.js';
import { createUniqueIndex } from './rules/create-unique-index.js';
import { deleteRows } from './rules/delete-rows.js';
import { detachPartition } from './rules/detach-partition.js';
import { disableTrigger } from './rules/disable-trigger.js';
import { dropCascade } from './rules/drop-cascade.js';
import { dropColumn } from './rules/drop-column.js';
import { dropConstraint } from './rules/drop-constraint.js';
import { dropDatabase } from './rules/drop-database.js';
import { dropDefault } from './rules/drop-default.js';
import { dropExtension } from './rules/drop-extension.js';
import { dropIdentity } from './rules/drop-identity.js';
import { dropNotNull } from './rules/drop-not-null.js';
import { dropRole } from './rules/drop-role.js';
import { dropRoutine } from './rules/drop-routine.js';
import { dropSchema } from './rules/drop-schema.js';
import { dropSequence } from './rules/drop-sequence.js';
import { dropTable } from './rules/drop-table.js';
import { dropTrigger } from './rules/drop-trigger.js';
import { dropType } from './rules/drop-type.js';
import { dropView } from './rules/drop-view.js';
import { enableRowLevelSecurity } from './rules/enable-row-level-security.js';
import { enumAddValue } from './rules/enum-add-value.js';
import { enumValueUsedInTransaction } from './rules/enum-value-used-in-transaction.js';
import { lockTable } from './rules/lock-table.js';
import { lossyTypeChange } from './rules/lossy-type-change.js';
import { narrowingColumnType } from './rules/narrowing-column-type.js';
import { opaqueStatement } from './rules/opaque-statement.js';
import { preferBigintOverInt } from './rules/prefer-bigint-over-int.js';
import { preferIdentity } from './rules/prefer-identity.js';
import { preferTextField } from './rules/prefer-text-field.js';
import { preferTimestamptz } from './rules/prefer-timestamptz.js';
import { refreshMaterializedView } from './rules/refresh-materialized-view.js';
import { reindexNonConcurrent } from './rules/reindex-non-concurrent.js';
import { renameColumn } from './rules/rename-column.js';
import { renameEnumValue } from './rules/rename-enum-value.js';
import { renameObject } from './rules/rename-object.js';
import { renameTable } from './rules/rename-table.js';
import { requireConcurrentIndexCreation } from './rules/require-concurrent-index-creation.js';
import { requireConcurrentIndexDeletion } from './rules/require-concurrent-index-deletion.js';
import { revokePrivileges } from './rules/revoke-privileges.js';
import { sequenceRestart } from './rules/sequence-restart.js';
import { setGeneratedAlways } from './rules/set-generated-always.js';
import { setLoggedUnlogged } from './rules/set-logged-unlogged.js';
import { setNotNull } from './rules/set-not-null.js';
import { setSchema } from './rules/set-schema.js';
import { setTablespace } from './rules/set-tablespace.js';
import { transactionNesting } from './rules/transaction-nesting.js';
import { truncateTable } from './rules/truncate-table.js';
import { updateRows } from './rules/update-rows.js';
import { vacuumFull } from './rules/vacuum-full.js';
import { validateInSameTransaction } from './rules/validate-in-same-transaction.js';

export const RULES: readonly Rule[] = [
  addCheckWithoutNotValid,
  addColumnWithUnique,
  addExclusionConstraint,
  addForeignKeyWithoutNotValid,
  addIdentityColumn,
  addIdentityToColumn,
  addPrimaryKey,
  addStoredGeneratedColumn,
  addUniqueConstraint,
  addingFieldWithDefault,
  addingRequiredField,
  alterDomainAddConstraint,
  attachPartition,
  backfillNewColumn,
  banCharField,
  changeColumnType,
  clusterTable,
  concurrentIndexIfNotExists,
  concurrentlyInTransaction,
  constraintTightening,
  createUniqueIndex,
  deleteRows,
  detachPartition,
  disableTrigger,
  dropCascade,
  dropColumn,
  dropConstraint,
  dropDatabase,
  dropDefault,
  dropExtension,
  dropIdentity,
  dropNotNull,
  dropRole,
  dropRoutine,
  dropSchema,
  dropSequence,
  dropTable,
  dropTrigger,
  dropType,
  dropView,
  enableRowLevelSecurity,
  enumAddValue,
  enumValueUsedInTransaction,
  lockTable,
  lossyTypeChange,
  narrowingColumnType,
  opaqueStatement,
  preferBigintOverInt,
  preferIdentity,
  preferTextField,
  preferTimestamptz,
  refreshMaterializedView,
  reindexNonConcurrent,
  renameColumn,
  renameEnumValue,
  renameObject,
  renameTable,
  requireConcurrentIndexCreation,
  requireConcurrentIndexDeletion,
  revokePrivileges,
  sequenceRestart,
  setGeneratedAlways,
  setLoggedUnlogged,
  setNotNull,
  setSchema,
  setTablespace,
  transactionNesting,
  truncateTable,
  updateRows,
  vacuumFull,
  validateInSameTransaction,
];

const byNode = new Map<string, Rule[]>();
const order = new Map(RULES.map((rule, i) => [rule, i]));
for (const rule of RULES) {
  for (const node of rule.nodes) {
    const list = byNode.get(node) ?? [];
    list.push(rule);
    byNode.set(node, list);
  }
}

const NONE: readonly Rule[] = [];
/** ALTER TABLE's rules by its subcommands' subtypes (`AT_AddColumn,AT_AlterColumnType,`). */
const forSubtypes = new Map<string, readonly Rule[]>();

/**
 * The rules that inspect this statement. An ALTER TABLE gets the rules of the
 * subcommands it has (`AlterTableStmt:AT_AddColumn`, ...) besides those of
 * every ALTER TABLE: some 35 rules look at one kind of subcommand each, and
 * running all of them on every ALTER was most of classify's time.
 */
export function rulesFor(stmt: ParsedStatement): readonly Rule[] {
  const general = byNode.get(stmt.kind) ?? NONE;
  if (stmt.kind !== 'AlterTableStmt') return general;
  const cmds = alterCmds(stmt.node);
  // Most ALTER TABLEs have one subcommand, and a history repeats the same few combinations:
  // the list is built once per combination, not once per statement. One subcommand's key is its
  // subtype as the parser gave it (no new string to build and hash).
  let key = cmds.length === 1 ? (str(cmds[0]!.subtype) ?? '') : '';
  if (cmds.length !== 1) for (let i = 0; i < cmds.length; i++) key += `${str(cmds[i]!.subtype) ?? ''},`;
  let rules = forSubtypes.get(key);
  if (!rules) {
    const out = [...general];
    for (const cmd of cmds) {
      for (const rule of byNode.get(`AlterTableStmt:${str(cmd.subtype)}`) ?? NONE) if (!out.includes(rule)) out.push(rule);
    }
    // Findings keep the registry's order, whatever order the subcommands came in.
    rules = out.length > 1 ? out.sort((a, b) => order.get(a)! - order.get(b)!) : out;
    forSubtypes.set(key, rules);
  }
  return rules;
}
