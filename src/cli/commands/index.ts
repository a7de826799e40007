/** Every CLI command module; each registers itself on the program. */
import type { Command } from 'commander';
import type { CommandRegistrar } from '../program.js';
import { registerBackup } from './backup.js';
import { registerBackups } from './backups.js';
import { registerBaseBackup } from './base-backup.js';
import { registerClassify } from './classify.js';
import { registerHistory } from './history.js';
import { registerPlan } from './plan.js';
import { registerRestore } from './restore.js';
import { registerStatus } from './status.js';
import { registerUndo } from './undo.js';
import { registerVerify } from './verify.js';
import { registerWalFetch } from './wal-fetch.js';
import { registerWalPush } from './wal-push.js';

export type RegisterCommand = (program: Command, registrar: CommandRegistrar) => void;

export const COMMANDS: RegisterCommand[] = [registerStatus, registerClassify, registerPlan, registerUndo, registerHistory, registerVerify, registerBackup, registerBackups, registerRestore, registerWalPush, registerWalFetch, registerBaseBackup];
