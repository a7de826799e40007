/** Every CLI command module; each registers itself on the program. */
import type { RegisterCommand } from '../registrar.js';
import { registerArchiveCommand } from './archive-command.js';
import { registerBackup } from './backup.js';
import { registerBackups } from './backups.js';
import { registerBaseBackup } from './base-backup.js';
import { registerClassify } from './classify.js';
import { registerDrill } from './drill.js';
import { registerHistory } from './history.js';
import { registerMigrate } from './migrate.js';
import { registerPlan } from './plan.js';
import { registerRestore } from './restore.js';
import { registerStatus } from './status.js';
import { registerUndo } from './undo.js';
import { registerVerify } from './verify.js';
import { registerWalFetch } from './wal-fetch.js';
import { registerWalPush } from './wal-push.js';

export const COMMANDS: RegisterCommand[] = [registerStatus, registerClassify, registerPlan, registerMigrate, registerUndo, registerHistory, registerVerify, registerBackup, registerBackups, registerRestore, registerWalPush, registerWalFetch, registerArchiveCommand, registerBaseBackup, registerDrill];
