/**
 * The combined parser table of the repo scanner: dependency manifests (this folder's
 * manifests/) and source / config parsers (code/). Every parser whose `matches` accepts a file
 * runs on it; parsers are pure functions of content.
 */
import type { FileParser } from './types.js';
import { manifestParsers } from './manifests/index.js';
import { codeParsers } from './code/index.js';

export const parsers: FileParser[] = [...manifestParsers, ...codeParsers];
