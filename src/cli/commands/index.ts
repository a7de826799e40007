/** Every CLI command module; each registers itself on the program. */
import type { Command } from 'commander';
import type { CommandRegistrar } from '../program.js';
import { registerClassify } from './classify.js';
import { registerStatus } from './status.js';
import { registerVerify } from './verify.js';

export type RegisterCommand = (program: Command, registrar: CommandRegistrar) => void;

export const COMMANDS: RegisterCommand[] = [registerStatus, registerClassify, registerVerify];
