#!/usr/bin/env node
/**
 * Writes migrations-fixtures/node-pg-migrate/real-ts: 63 TypeScript
 * node-pg-migrate migrations in the shape public projects keep theirs
 * (timestamped names, `shorthands`, `up`/`down(pgm: MigrationBuilder)`),
 * written from the patterns studied there, not copied: createTable with
 * references and pgm.func defaults, addColumns, createIndex (named, partial,
 * BRIN, ifNotExists), raw pgm.sql, enum types and addTypeValue, functions and
 * triggers, views, a domain, a sequence — and the defects real histories
 * carry:
 *   041 repeats createIndex(..., { ifNotExists: true }) for the five indexes
 *       011 made (a no-op) and its down drops them (issue 25's defect);
 *   046 changes a default and its down drops the default instead of putting
 *       the old one back (a down that changes more than its up did);
 *   037 is a data backfill with `export const down = false` (irreversible);
 *   039 adds an enum value (irreversible by nature) with an empty down.
 * The head (063) round-trips exactly, so `undo --count 1` runs.
 *
 *   node migrations-fixtures/node-pg-migrate/generate-real-ts.mjs
 */
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'real-ts');
const EVENTS_INDEXES = [
  ['events_account_id_idx', "'account_id'"],
  ['events_actor_id_idx', "'actor_id'"],
  ['events_kind_idx', "'kind'"],
  ['events_occurred_at_idx', "'occurred_at'"],
  ['events_kind_occurred_at_idx', "['kind', 'occurred_at']"],
];
const created = "created_at: { type: 'timestamptz', notNull: true, default: pgm.func('current_timestamp') }";

/** [name, up body, down body | false (irreversible) | '' (empty down)] */
const M = [
  ['create-accounts', `pgm.createTable('accounts', {
    id: 'id',
    name: { type: 'text', notNull: true },
    slug: { type: 'varchar(64)', notNull: true, unique: true },
    ${created},
  });`, `pgm.dropTable('accounts');`],
  ['create-users', `pgm.createTable('users', {
    id: 'id',
    account_id: { type: 'integer', notNull: true, references: 'accounts', onDelete: 'CASCADE' },
    email: { type: 'text', notNull: true },
    name: { type: 'text' },
    ${created},
  });
  pgm.createIndex('users', 'account_id');`, `pgm.dropTable('users');`],
  ['users-email-unique', `pgm.createIndex('users', ['account_id', 'email'], { name: 'users_account_email_key', unique: true });`, `pgm.dropIndex('users', ['account_id', 'email'], { name: 'users_account_email_key' });`],
  ['create-user-role', `pgm.createType('user_role', ['owner', 'admin', 'member']);
  pgm.addColumns('users', { role: { type: 'user_role', notNull: true, default: 'member' } });`, `pgm.dropColumns('users', ['role']);
  pgm.dropType('user_role');`],
  ['create-projects', `pgm.createTable('projects', {
    id: 'id',
    account_id: { type: 'integer', notNull: true, references: 'accounts', onDelete: 'CASCADE' },
    name: { type: 'text', notNull: true },
    archived: { type: 'boolean', notNull: true, default: false },
    ${created},
  });
  pgm.createIndex('projects', 'account_id');`, `pgm.dropTable('projects');`],
  ['create-tasks', `pgm.createTable('tasks', {
    id: 'id',
    project_id: { type: 'integer', notNull: true, references: 'projects', onDelete: 'CASCADE' },
    title: { type: 'text', notNull: true },
    status: { type: 'text', notNull: true, default: 'open' },
    due_on: { type: 'date' },
    ${created},
    updated_at: { type: 'timestamptz', notNull: true, default: pgm.func('current_timestamp') },
  });`, `pgm.dropTable('tasks');`],
  ['tasks-indexes', `pgm.createIndex('tasks', 'project_id');
  pgm.createIndex('tasks', 'status');
  pgm.createIndex('tasks', 'due_on');`, `pgm.dropIndex('tasks', 'due_on');
  pgm.dropIndex('tasks', 'status');
  pgm.dropIndex('tasks', 'project_id');`],
  ['create-comments', `pgm.createTable('comments', {
    id: 'id',
    task_id: { type: 'integer', notNull: true, references: 'tasks', onDelete: 'CASCADE' },
    author_id: { type: 'integer', references: 'users', onDelete: 'SET NULL' },
    body: { type: 'text', notNull: true },
    ${created},
  });
  pgm.createIndex('comments', 'task_id');`, `pgm.dropTable('comments');`],
  ['create-tags', `pgm.createTable('tags', {
    id: 'id',
    account_id: { type: 'integer', notNull: true, references: 'accounts', onDelete: 'CASCADE' },
    label: { type: 'text', notNull: true },
  });
  pgm.createTable('task_tags', {
    task_id: { type: 'integer', notNull: true, references: 'tasks', onDelete: 'CASCADE', primaryKey: true },
    tag_id: { type: 'integer', notNull: true, references: 'tags', onDelete: 'CASCADE', primaryKey: true },
  });`, `pgm.dropTable('task_tags');
  pgm.dropTable('tags');`],
  ['tasks-updated-at-trigger', `pgm.createFunction('set_updated_at', [], { returns: 'trigger', language: 'plpgsql', replace: true }, \`
BEGIN
  NEW.updated_at = now();
  RETURN NEW;
END;\`);
  pgm.createTrigger('tasks', 'tasks_set_updated_at', { when: 'BEFORE', operation: 'UPDATE', level: 'ROW', function: 'set_updated_at' });`, `pgm.dropTrigger('tasks', 'tasks_set_updated_at');
  pgm.dropFunction('set_updated_at', []);`],
  ['create-events', `pgm.createTable('events', {
    id: { type: 'bigserial', primaryKey: true },
    account_id: { type: 'integer', notNull: true, references: 'accounts', onDelete: 'CASCADE' },
    actor_id: { type: 'integer' },
    kind: { type: 'text', notNull: true },
    occurred_at: { type: 'timestamptz', notNull: true, default: pgm.func('now()') },
    payload: { type: 'jsonb', notNull: true, default: '{}' },
  });
${EVENTS_INDEXES.map(([name, cols]) => `  pgm.createIndex('events', ${cols}, { name: '${name}' });`).join('\n')}`, `pgm.dropTable('events');`],
  ['add-users-last-seen', `pgm.addColumns('users', { last_seen_at: { type: 'timestamptz' } });`, `pgm.dropColumns('users', ['last_seen_at']);`],
  ['create-invoices', `pgm.createTable('invoices', {
    id: 'id',
    account_id: { type: 'integer', notNull: true, references: 'accounts' },
    total_cents: { type: 'bigint', notNull: true, default: 0 },
    issued_on: { type: 'date' },
    ${created},
  });
  pgm.createIndex('invoices', 'account_id');`, `pgm.dropTable('invoices');`],
  ['create-invoice-lines', `pgm.createTable('invoice_lines', {
    id: 'id',
    invoice_id: { type: 'integer', notNull: true, references: 'invoices', onDelete: 'CASCADE' },
    description: { type: 'text', notNull: true },
    quantity: { type: 'integer', notNull: true, default: 1, check: 'quantity > 0' },
    unit_cents: { type: 'bigint', notNull: true },
  });
  pgm.createIndex('invoice_lines', 'invoice_id');`, `pgm.dropTable('invoice_lines');`],
  ['invoice-status', `pgm.createType('invoice_status', ['draft', 'open', 'paid', 'void']);
  pgm.addColumns('invoices', { status: { type: 'invoice_status', notNull: true, default: 'draft' } });`, `pgm.dropColumns('invoices', ['status']);
  pgm.dropType('invoice_status');`],
  ['create-payments', `pgm.sql(\`--sql
    CREATE TABLE payments (
      id serial PRIMARY KEY,
      invoice_id integer NOT NULL REFERENCES invoices (id),
      amount_cents bigint NOT NULL CHECK (amount_cents > 0),
      received_at timestamptz NOT NULL DEFAULT now()
    );
  \`);`, `pgm.sql(\`--sql
    DROP TABLE payments;
  \`);`],
  ['payments-invoice-index', `pgm.createIndex('payments', 'invoice_id');`, `pgm.dropIndex('payments', 'invoice_id');`],
  ['create-plans', `pgm.createTable('plans', {
    id: 'id',
    code: { type: 'text', notNull: true, unique: true },
    monthly_cents: { type: 'integer', notNull: true },
  });
  pgm.sql(\`INSERT INTO plans (code, monthly_cents) VALUES ('free', 0), ('team', 1200), ('business', 4900)\`);`, `pgm.dropTable('plans');`],
  ['create-subscriptions', `pgm.createTable('subscriptions', {
    id: 'id',
    account_id: { type: 'integer', notNull: true, references: 'accounts', onDelete: 'CASCADE' },
    plan_id: { type: 'integer', notNull: true, references: 'plans' },
    status: { type: 'text', notNull: true, default: 'active' },
    started_at: { type: 'timestamptz', notNull: true, default: pgm.func('current_timestamp') },
  });
  pgm.createIndex('subscriptions', 'account_id');`, `pgm.dropTable('subscriptions');`],
  ['subscriptions-status-check', `pgm.addConstraint('subscriptions', 'subscriptions_status_check', { check: "status IN ('active', 'past_due', 'canceled')" });`, `pgm.dropConstraint('subscriptions', 'subscriptions_status_check');`],
  ['add-accounts-plan', `pgm.addColumns('accounts', { plan_id: { type: 'integer', references: 'plans' } });`, `pgm.dropColumns('accounts', ['plan_id']);`],
  ['create-webhooks', `pgm.createTable('webhooks', {
    id: 'id',
    account_id: { type: 'integer', notNull: true, references: 'accounts', onDelete: 'CASCADE' },
    url: { type: 'text', notNull: true },
    events: { type: 'text[]', notNull: true, default: pgm.func("'{}'::text[]") },
    ${created},
  });`, `pgm.dropTable('webhooks');`],
  ['create-api-keys', `pgm.createTable('api_keys', {
    id: 'id',
    account_id: { type: 'integer', notNull: true, references: 'accounts', onDelete: 'CASCADE' },
    token_hash: { type: 'text', notNull: true, unique: true },
    last_used_at: { type: 'timestamptz' },
    ${created},
  });`, `pgm.dropTable('api_keys');`],
  ['create-audit-log', `pgm.createTable('audit_log', {
    id: { type: 'bigserial', primaryKey: true },
    account_id: { type: 'integer', notNull: true },
    action: { type: 'text', notNull: true },
    detail: { type: 'jsonb' },
    ${created},
  });`, `pgm.dropTable('audit_log');`],
  ['audit-log-brin', `pgm.createIndex('audit_log', 'created_at', { method: 'brin' });`, `pgm.dropIndex('audit_log', 'created_at');`],
  ['create-notifications', `pgm.createTable('notifications', {
    id: 'id',
    user_id: { type: 'integer', notNull: true, references: 'users', onDelete: 'CASCADE' },
    message: { type: 'text', notNull: true },
    read_at: { type: 'timestamptz' },
    ${created},
  });`, `pgm.dropTable('notifications');`],
  ['notifications-unread-index', `pgm.createIndex('notifications', 'user_id', { name: 'notifications_unread_idx', where: 'read_at IS NULL' });`, `pgm.dropIndex('notifications', 'user_id', { name: 'notifications_unread_idx' });`],
  ['create-sessions', `pgm.createTable('sessions', {
    sid: { type: 'varchar', notNull: true, primaryKey: true },
    sess: { type: 'json', notNull: true },
    expire: { type: 'timestamp(6)', notNull: true },
  });
  pgm.createIndex('sessions', 'expire', { name: 'sessions_expire_idx' });`, `pgm.dropTable('sessions');`],
  ['create-files', `pgm.createTable('files', {
    id: 'id',
    project_id: { type: 'integer', notNull: true, references: 'projects', onDelete: 'CASCADE' },
    path: { type: 'text', notNull: true },
    bytes: { type: 'bigint', notNull: true, default: 0 },
    ${created},
  });`, `pgm.dropTable('files');`],
  ['create-teams', `pgm.createTable('teams', {
    id: 'id',
    account_id: { type: 'integer', notNull: true, references: 'accounts', onDelete: 'CASCADE' },
    name: { type: 'text', notNull: true },
  });
  pgm.createTable('team_members', {
    team_id: { type: 'integer', notNull: true, references: 'teams', onDelete: 'CASCADE', primaryKey: true },
    user_id: { type: 'integer', notNull: true, references: 'users', onDelete: 'CASCADE', primaryKey: true },
  });`, `pgm.dropTable('team_members');
  pgm.dropTable('teams');`],
  ['add-tasks-assignee', `pgm.addColumns('tasks', { assignee_id: { type: 'integer', references: 'users', onDelete: 'SET NULL' } });
  pgm.createIndex('tasks', 'assignee_id');`, `pgm.dropColumns('tasks', ['assignee_id']);`],
  ['add-projects-description', `pgm.addColumns('projects', { description: { type: 'text' } });`, `pgm.dropColumns('projects', ['description']);`],
  ['rename-projects-archived', `pgm.renameColumn('projects', 'archived', 'is_archived');`, `pgm.renameColumn('projects', 'is_archived', 'archived');`],
  ['create-open-tasks-view', `pgm.createView('open_tasks', {}, "SELECT id, project_id, title, due_on FROM tasks WHERE status = 'open'");`, `pgm.dropView('open_tasks');`],
  ['limit-webhooks-url', `pgm.alterColumn('webhooks', 'url', { type: 'varchar(2048)' });`, `pgm.alterColumn('webhooks', 'url', { type: 'text' });`],
  ['add-events-source', `pgm.addColumns('events', { source: { type: 'text' } });`, `pgm.dropColumns('events', ['source']);`],
  ['backfill-events-source', `pgm.sql(\`UPDATE events SET source = 'web' WHERE source IS NULL\`);`, false],
  ['create-task-priority', `pgm.createType('task_priority', ['low', 'normal', 'high']);
  pgm.addColumns('tasks', { priority: { type: 'task_priority', notNull: true, default: 'normal' } });`, `pgm.dropColumns('tasks', ['priority']);
  pgm.dropType('task_priority');`],
  ['add-task-priority-urgent', `pgm.noTransaction();
  pgm.addTypeValue('task_priority', 'urgent', { ifNotExists: true, after: 'high' });`, ''],
  ['create-invoice-number-seq', `pgm.createSequence('invoice_number_seq', { start: 1000 });
  pgm.addColumns('invoices', { number: { type: 'bigint', notNull: true, default: pgm.func("nextval('invoice_number_seq')") } });`, `pgm.dropColumns('invoices', ['number']);
  pgm.dropSequence('invoice_number_seq');`],
  ['events-add-ip-reindex', `pgm.addColumns('events', { ip: { type: 'inet' } });
  // Make sure the event indexes exist (some environments were created by hand).
${EVENTS_INDEXES.map(([name, cols]) => `  pgm.createIndex('events', ${cols}, { name: '${name}', ifNotExists: true });`).join('\n')}`, `${EVENTS_INDEXES.map(([name, cols]) => `pgm.dropIndex('events', ${cols}, { name: '${name}', ifExists: true });`).join('\n  ')}
  pgm.dropColumns('events', ['ip']);`],
  ['add-users-locale', `pgm.addColumns('users', { locale: { type: 'text', notNull: true, default: 'en' } });`, `pgm.dropColumns('users', ['locale']);`],
  ['add-accounts-settings', `pgm.addColumns('accounts', { settings: { type: 'jsonb', notNull: true, default: pgm.func("'{}'::jsonb") } });`, `pgm.dropColumns('accounts', ['settings']);`],
  ['create-feature-flags', `pgm.createTable('feature_flags', {
    key: { type: 'text', primaryKey: true },
    enabled: { type: 'boolean', notNull: true, default: false },
    rollout: { type: 'smallint', notNull: true, default: 0 },
  });`, `pgm.dropTable('feature_flags');`],
  ['comments-body-not-empty', `pgm.addConstraint('comments', 'comments_body_not_empty', { check: 'length(body) > 0' });`, `pgm.dropConstraint('comments', 'comments_body_not_empty');`],
  ['tasks-status-default-todo', `pgm.alterColumn('tasks', 'status', { default: 'todo' });`, `pgm.alterColumn('tasks', 'status', { default: null });`],
  ['log-task-status', `pgm.sql(\`--sql
    CREATE TABLE task_status_log (
      id bigserial PRIMARY KEY,
      task_id integer NOT NULL,
      old_status text,
      new_status text NOT NULL,
      changed_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE FUNCTION log_task_status() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF NEW.status IS DISTINCT FROM OLD.status THEN
        INSERT INTO task_status_log (task_id, old_status, new_status) VALUES (NEW.id, OLD.status, NEW.status);
      END IF;
      RETURN NEW;
    END;
    $$;
    CREATE TRIGGER tasks_log_status AFTER UPDATE ON tasks FOR EACH ROW EXECUTE FUNCTION log_task_status();
  \`);`, `pgm.sql(\`--sql
    DROP TRIGGER tasks_log_status ON tasks;
    DROP FUNCTION log_task_status();
    DROP TABLE task_status_log;
  \`);`],
  ['add-webhooks-secret', `pgm.addColumns('webhooks', { secret: { type: 'text' } });`, `pgm.dropColumns('webhooks', ['secret']);`],
  ['create-account-stats', `pgm.createMaterializedView('account_stats', {}, 'SELECT a.id AS account_id, count(p.id) AS projects FROM accounts a LEFT JOIN projects p ON p.account_id = a.id GROUP BY a.id');`, `pgm.dropMaterializedView('account_stats');`],
  ['add-files-checksum', `pgm.addColumns('files', { sha256: { type: 'char(64)' } });`, `pgm.dropColumns('files', ['sha256']);`],
  ['index-files-checksum', `pgm.createIndex('files', 'sha256');`, `pgm.dropIndex('files', 'sha256');`],
  ['create-exports', `pgm.createTable('exports', {
    id: 'id',
    account_id: { type: 'integer', notNull: true, references: 'accounts', onDelete: 'CASCADE' },
    format: { type: 'text', notNull: true, default: 'csv' },
    finished_at: { type: 'timestamptz' },
    ${created},
  });`, `pgm.dropTable('exports');`],
  ['add-payments-currency', `pgm.addColumns('payments', { currency: { type: 'char(3)', notNull: true, default: 'EUR' } });`, `pgm.dropColumns('payments', ['currency']);`],
  ['create-email-domain', `pgm.createDomain('email_address', 'text', { check: "VALUE ~ '^[^@]+@[^@]+$'" });`, `pgm.dropDomain('email_address');`],
  ['add-teams-slug', `pgm.addColumns('teams', { slug: { type: 'varchar(64)' } });`, `pgm.dropColumns('teams', ['slug']);`],
  ['create-invites', `pgm.createTable('invites', {
    id: 'id',
    team_id: { type: 'integer', notNull: true, references: 'teams', onDelete: 'CASCADE' },
    email: { type: 'email_address', notNull: true },
    token: { type: 'text', notNull: true },
    expires_at: { type: 'timestamptz', notNull: true },
  });`, `pgm.dropTable('invites');`],
  ['invites-token-index', `pgm.createIndex('invites', 'token', { unique: true });`, `pgm.dropIndex('invites', 'token', { unique: true });`],
  ['add-users-deleted-at', `pgm.addColumns('users', { deleted_at: { type: 'timestamptz' } });`, `pgm.dropColumns('users', ['deleted_at']);`],
  ['users-active-email-index', `pgm.createIndex('users', 'email', { name: 'users_active_email_idx', where: 'deleted_at IS NULL' });`, `pgm.dropIndex('users', 'email', { name: 'users_active_email_idx' });`],
  ['add-subscriptions-trial-ends', `pgm.addColumns('subscriptions', { trial_ends_at: { type: 'timestamptz' } });`, `pgm.dropColumns('subscriptions', ['trial_ends_at']);`],
  ['create-job-queue', `pgm.createTable('job_queue', {
    id: { type: 'bigserial', primaryKey: true },
    queue: { type: 'text', notNull: true, default: 'default' },
    payload: { type: 'jsonb', notNull: true },
    run_at: { type: 'timestamptz', notNull: true, default: pgm.func('now()') },
    attempts: { type: 'integer', notNull: true, default: 0 },
  });`, `pgm.dropTable('job_queue');`],
  ['job-queue-indexes', `pgm.createIndex('job_queue', 'run_at');
  pgm.createIndex('job_queue', ['queue', 'run_at']);`, `pgm.dropIndex('job_queue', ['queue', 'run_at']);
  pgm.dropIndex('job_queue', 'run_at');`],
  ['add-projects-color', `pgm.addColumns('projects', { color: { type: 'text', notNull: true, default: '#cccccc' } });`, `pgm.dropColumns('projects', ['color']);`],
];

if (M.length !== 63) throw new Error(`expected 63 migrations, have ${M.length}`);

const HEAD = `import type { ColumnDefinitions, MigrationBuilder } from 'node-pg-migrate';

export const shorthands: ColumnDefinitions | undefined = undefined;
`;

function file([, up, down]) {
  const upFn = `export async function up(pgm: MigrationBuilder): Promise<void> {\n  ${up}\n}\n`;
  const downFn = down === false
    ? `// A data backfill: there is no way back but a restore.\nexport const down = false;\n`
    : down === ''
      ? `export async function down(): Promise<void> {\n  // PostgreSQL cannot drop a value from an enum type.\n}\n`
      : `export async function down(pgm: MigrationBuilder): Promise<void> {\n  ${down}\n}\n`;
  return `${HEAD}\n${upFn}\n${downFn}`;
}

await mkdir(DIR, { recursive: true });
for (const old of await readdir(DIR)) if (old.endsWith('.ts')) await rm(path.join(DIR, old));
// Timestamped names as `node-pg-migrate create` makes them, a day apart.
const base = 1704067200000;
for (const [i, m] of M.entries()) {
  await writeFile(path.join(DIR, `${base + i * 86_400_000}_${m[0]}.ts`), file(m));
}
console.log(`wrote ${M.length} migrations to ${DIR}`);
