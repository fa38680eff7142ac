/**
 * Dependency manifests and lock files: one parser per format, each a pure function of the
 * file's text that emits `package` observations (namespace = ecosystem, signal presence,
 * confidence declared; attrs.direct false for transitive lock-file entries).
 */
import type { FileParser } from '../types.js';
import { npmParsers } from './npm.js';
import { pythonParsers } from './python.js';
import { jvmParsers } from './jvm.js';
import { miscParsers } from './misc.js';
import { moreParsers } from './more.js';

export const manifestParsers: FileParser[] = [...npmParsers, ...pythonParsers, ...jvmParsers, ...miscParsers, ...moreParsers];
export { requirementIncludes, requirementsParser, parseRequirement } from './python.js';
