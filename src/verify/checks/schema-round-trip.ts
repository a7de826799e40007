/**
 * After an undo, the schema is what it was before the undone migrations, by
 * name: equal to the schema `migrate` recorded before the oldest of them, or —
 * where no record existed and the round trip was rehearsed in a throwaway
 * database — changed by the downs exactly as the rehearsal's downs changed
 * it. Differences the user accepted (--accept-schema-difference) are
 * reported as accepted; any other fails the gate.
 *
 * Outside an undo (someone ran the tool's down by hand, or any incident), the
 * schema is compared with the one recorded at the migration head — the record
 * migrate took just before the migration that followed it — when there is
 * one: what the record holds and the database lacks fails the gate, what the
 * database has beyond it is reported (schema-at-head.ts says which is which).
 */
import { differenceKey, keptKey, roundTripChanges, toDifference } from '../../db/schema/round-trip.js';
import type { SchemaChange } from '../../db/schema/diff.js';
import { describeChange } from '../../db/schema/logical.js';
import { schemaSnapshot } from '../../db/schema/snapshot.js';
import type { Db } from '../../db/connection.js';
import type { Check, CheckOutcome, VerifyContext } from '../check.js';
import { additive, compareWithHeadRecord, nameMissing, recreateStatement, tablesOf } from '../schema-at-head.js';
import type { SchemaSnapshot } from '../../db/schema/snapshot.js';
import type { ParsedStatement } from '../../sql/parser.js';
import { creates, objectAndRelation } from '../../sql/creates.js';
import { calledFunctions } from '../../sql/ast.js';

export const schemaRoundTrip: Check = {
  id: 'schema-round-trip',
  uses: 'connection',
  description: 'after an undo: the schema equals the one recorded before the undone migrations (or changed exactly as the rehearsed downs changed it); otherwise: it holds everything recorded at the migration head',
  async run(db, ctx) {
    const expectation = ctx.schemaExpectation;
    if (!expectation) return againstHeadRecord(db, ctx);
    const live = await schemaSnapshot(db, { exclude: expectation.expect.exclude });
    const accepted = new Map(expectation.accepted.map((a) => [a.key, a.message]));
    const seen: string[] = [];
    const problems: string[] = [];
    if (expectation.expect.kind === 'record') {
      const migration = expectation.expect.migration;
      const kept = new Map((expectation.expect.kept ?? []).map((k) => [k.key, k.message]));
      const stayed: string[] = [];
      const already = madeBeforeTheDowns(expectation.expect);
      const others: string[] = [];
      for (const change of roundTripChanges(expectation.expect.schema, live)) {
        // Made since the record by a migration the undo leaves applied (a Flyway repeatable): expected as it is.
        if (kept.has(keptKey(change))) {
          stayed.push(kept.get(keptKey(change))!);
          continue;
        }
        const d = toDifference(migration, change, null);
        const key = differenceKey(d);
        if (accepted.has(key)) seen.push(accepted.get(key)!);
        else if (already(change)) others.push(describeChange(change));
        else problems.push(describeChange(change));
      }
      const data = { against: 'record', migration, accepted: seen, ...(stayed.length > 0 ? { staysApplied: stayed } : {}), ...(others.length > 0 ? { madeBeforeTheDowns: others } : {}) };
      if (problems.length > 0) return { status: 'fail', detail: `the schema differs from the one recorded before ${migration}: ${named(problems)}`, problems, data };
      const except = [
        ...(seen.length ? [`${seen.length} accepted difference(s): ${seen.join('; ')}`] : []),
        ...(stayed.length ? [`what migrations left applied made since: ${stayed.join('; ')}`] : []),
        ...(others.length ? [`what was made since the record by something other than the undone migrations, there before the downs and left as it was (reported, not failed): ${named(others)}`] : []),
      ];
      return { status: 'pass', detail: `the schema equals the one recorded before ${migration}${except.length ? ` except ${except.join('; and ')}` : ''}`, data };
    }
    const expected = new Map(expectation.expect.changes.map((c) => [changeKey(c), c]));
    const actual = new Map(roundTripChanges(expectation.expect.before, live).map((c) => [changeKey(c), c]));
    for (const [key, c] of actual) if (!expected.has(key)) problems.push(`the downs made a change they did not make in the rehearsal: ${describeChange(c)}`);
    for (const [key, c] of expected) if (!actual.has(key)) problems.push(`the downs did not make a change they made in the rehearsal: ${describeChange(c)}`);
    const data = { against: 'rehearsal', accepted: expectation.accepted.map((a) => a.message) };
    if (problems.length > 0) return { status: 'fail', detail: `the downs changed the schema differently from the rehearsal: ${named(problems)}`, problems, data };
    const note = expectation.accepted.length ? `; ${expectation.accepted.length} accepted difference(s) from the schema before: ${expectation.accepted.map((a) => a.message).join('; ')}` : '';
    return { status: 'pass', detail: `the downs changed the schema exactly as in the rehearsal (${actual.size} change(s))${note}`, data };
  },
};

/** Standalone: the live schema against the record taken at the migration head, or a skip saying why there is none. */
async function againstHeadRecord(db: Db, ctx: VerifyContext): Promise<CheckOutcome> {
  const lookup = await ctx.headSchema();
  if (!lookup.found) return { status: 'skip', detail: `no schema recorded at the migration head to compare with: ${lookup.reason}` };
  const at = lookup.undo
    ? `an undo left at head ${lookup.head ?? '(no migration applied)'} and recorded (before ${lookup.before}, ${lookup.time}, run ${lookup.undo.runId})`
    : `recorded at head ${lookup.head ?? '(no migration applied)'} (before ${lookup.before}, ${lookup.time})`;
  // The differences that undo accepted are in the record it left: said, never failed again.
  const accepted = lookup.undo && lookup.undo.accepted.length > 0 ? `; the undo that left it accepted (--accept-schema-difference): ${named(lookup.undo.accepted)}` : '';
  const live = await schemaSnapshot(db, { exclude: lookup.exclude });
  const found = await compareWithHeadRecord(lookup.schema, live, lookup.ups);
  const extra = found.extra.map(describeChange);
  const data = {
    against: 'head-record',
    head: lookup.head,
    before: lookup.before,
    recordedAt: lookup.time,
    matchedBy: lookup.matchedBy,
    ...(lookup.undo ? { leftByUndo: lookup.undo.runId, accepted: lookup.undo.accepted } : {}),
    missing: found.missing.map(nameMissing),
    differs: found.differs.map(describeChange),
    leftBehind: found.leftBehind.map((l) => `${describeChange(l.change)}, which the up of ${l.by} creates`),
    extra,
    ...(found.kept.length > 0 ? { staysApplied: found.kept.map((k) => `${describeChange(k.change)}, made by ${k.by}, which stays applied`) } : {}),
  };
  const problems = [
    ...found.missing.map((c) => {
      const again = recreateStatement(lookup.schema, c);
      return `${nameMissing(c)} is missing${again ? `; as recorded: ${again}` : ''}`;
    }),
    ...found.differs.map((c) => `${describeChange(c).replace(/ altered: /, ' differs from the record: ')}`),
    ...found.leftBehind.map((l) => `${describeChange(l.change)}: the up of ${l.by} creates it, so a down left it behind (applying ${l.by} again would fail on it)`),
  ];
  const beyond =
    (found.kept.length > 0 ? `; what migrations that stay applied made since (expected): ${named(data.staysApplied!)}` : '') +
    (extra.length > 0 ? `; beyond it (reported, not failed: made since by hand or another tool): ${named(extra)}` : '');
  if (problems.length === 0) return { status: 'pass', detail: `the schema holds everything ${at}${accepted}${beyond}`, data };
  const lost = [...found.missing.map(nameMissing), ...found.differs.map(describeChange), ...found.leftBehind.map((l) => describeChange(l.change))];
  const tables = tablesOf(found.missing);
  problems.push(
    'before traffic returns: make again what is missing (the recorded definitions above)' +
      (tables.length > 0 ? `; tables and columns with their data: dbrollback restore --before-migration ${lookup.before} --tables ${tables.join(',')} --into-database URL (the point just before ${lookup.before} holds this schema)` : '') +
      (found.leftBehind.length > 0 ? `; drop what the downs left behind` : '') +
      '; then run dbrollback verify again. A difference made on purpose: dbrollback verify --skip-checks schema-round-trip',
  );
  return { status: 'fail', detail: `the schema differs from the one ${at}: ${named(lost)}${accepted}${beyond}`, problems, data };
}

/**
 * Whether a difference from the record was there before the downs ran, exactly so, and is one no undone up made:
 * an object added since the record by hand or another tool (an index a DBA added during the incident, an extension
 * the platform installed, a grant), or added to (an enum value, a privilege). The downs neither made nor could remove
 * it, and the application at the target head runs on it: reported, not failed — as a standalone verify reports it.
 * With the undone ups' SQL unknown nothing is excused (one of them may have made it, and a down left it).
 */
function madeBeforeTheDowns(expect: { schema: SchemaSnapshot; before?: SchemaSnapshot; ups?: readonly ParsedStatement[] | null }): (change: SchemaChange) => boolean {
  const ups = expect.ups;
  if (!expect.before || !ups || ups.some(opaque)) return () => false;
  const there = new Map(roundTripChanges(expect.schema, expect.before).map((c) => [changeKey(c), JSON.stringify(c.after ?? null)]));
  return (change) =>
    (change.change === 'added' || additive(change)) &&
    there.get(changeKey(change)) === JSON.stringify(change.after ?? null) &&
    !ups.some((stmt) => objectAndRelation(change).some((ref) => creates(stmt, ref)));
}

/** Functions a SELECT in an up may call without making anything. */
const READS = new Set(['count', 'max', 'min', 'now', 'coalesce', 'setval', 'nextval', 'pg_get_serial_sequence', 'current_setting', 'set_config']);

/** A statement whose effects its SQL does not show (a DO block, CALL, EXECUTE, a SELECT of other functions): what it made is not known. */
function opaque(stmt: ParsedStatement): boolean {
  if (stmt.kind === 'DoStmt' || stmt.kind === 'CallStmt' || stmt.kind === 'ExecuteStmt') return true;
  return stmt.kind === 'SelectStmt' && calledFunctions(stmt.node).some((f) => !READS.has(f) && !f.startsWith('svfop_'));
}

/** The first few problems in one line (all of them are in `problems`). */
function named(problems: string[]): string {
  return problems.length > 6 ? `${problems.slice(0, 6).join('; ')}; and ${problems.length - 6} more` : problems.join('; ');
}

function changeKey(c: SchemaChange): string {
  return `${c.kind}|${c.object}|${c.change}|${c.detail}`;
}
