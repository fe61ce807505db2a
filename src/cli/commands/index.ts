import type { Command } from '../command.js';
import { train } from './train.js';
import { sweep } from './sweep.js';
import { verifyCommand } from './verify.js';
import { explore } from './explore.js';

/** Every `igr` subcommand, in the order `igr --help` lists them. Adding a command touches this list only. */
export const commands: readonly Command[] = [verifyCommand, train, sweep, explore];
