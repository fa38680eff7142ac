/**
 * Contract between the repo walker (scan.ts) and the per-file parsers.
 * Parsers are pure functions of content: they never touch the file system.
 */
import type { AttrValue, Confidence, ObservationKind, Signal } from '../../../src/core/types.js';
import type { RuleIndex } from '../../../src/rules/compile.js';
import type { AnchorKind } from '../prefilter.js';

/** What a parser emits; scan.ts fills source, scanner, subject and the `path:line` locator. */
export interface ParsedObservation {
  kind: ObservationKind;
  value: string;
  namespace?: string;
  signal: Signal;
  confidence: Confidence;
  /** 1-based line in the file, when known. */
  line?: number;
  snippet?: string;
  attrs?: Record<string, AttrValue>;
  artifact?: { type: string; key: string; name?: string; attrs?: Record<string, AttrValue> };
}

export interface ParseInput {
  /** Path relative to the scanned root, forward slashes. */
  relPath: string;
  /** Base name of the file. */
  name: string;
  /** Text content (undefined for parsers with `binary: true`). */
  text?: string;
  /** First bytes of the file (up to 4 KiB) — for magic-byte detection. */
  head?: Buffer;
  /** File size in bytes. */
  size: number;
  /**
   * The compiled rules, for data-driven recognition only (model formats' magic bytes, agent
   * config globs, cheap pre-filters). Parsers never hard-code AI vendor names.
   */
  rules: RuleIndex;
  emit(o: ParsedObservation): void;
  /** A non-fatal problem in this file (broken JSON …), reported as `relPath:line`. */
  problem(message: string, line?: number): void;
}

export interface FileParser {
  /** kebab-case id, e.g. 'npm-package-json' */
  id: string;
  /** Cheap filter on the repo-relative path and base name. */
  matches(relPath: string, name: string): boolean;
  /** true: the parser needs only `head` and `size` (model artifacts); the file is never read as text. */
  binary?: boolean;
  /**
   * The parser emits only values a RuleIndex gate accepts, read from the text as written (see
   * ../prefilter.ts): the kinds of rule literal those gates need. A file holding no literal of
   * these kinds skips the parser.
   */
  anchored?: readonly AnchorKind[];
  /** With `anchored`: the parser decodes structured text (YAML / JSON / TOML escapes, line continuations). */
  structured?: boolean;
  /**
   * ASCII literals (case-sensitive), at least one of which the text must hold for the parser to
   * emit or report anything: its parse returns first thing on a text holding none of them. The
   * pre-filter tests them on the bytes (an ASCII byte decodes to itself in UTF-8) and skips the
   * parser without decoding the file.
   */
  needs?: readonly string[];
  parse(input: ParseInput): void;
}
