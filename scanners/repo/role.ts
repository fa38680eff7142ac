/**
 * Evidence roles: what part a file plays in its repository, decided from its path, its kind and
 * (for a few cases) its content. The role travels on every observation as `attrs.role`; the
 * resolver (src/resolve/basis.ts) decides from it whether evidence shows usage or is only a
 * mention (test, fixture, docs, example, UI text).
 *
 * Path segments are compared whole, never as substrings: `contest/` is not a test folder,
 * `examples-utils/` is not an example folder, `latest/` is not `test/`. Knows files, not AI.
 */
import { manifestParsers } from './parsers/manifests/index.js';

export const ROLES = [
  'source', 'manifest', 'config', 'iac', 'ci', 'agent-config', 'test', 'fixture', 'docs', 'example', 'ui-text', 'vendored', 'generated',
] as const;
export type Role = (typeof ROLES)[number];

/** Roles whose evidence alone is a mention, not usage. */
export const MENTION_ROLES: ReadonlySet<Role> = new Set<Role>(['test', 'fixture', 'docs', 'example', 'ui-text']);

const VENDORED_DIRS = new Set([
  'node_modules', 'bower_components', 'jspm_packages', 'web_modules', 'vendor', 'third_party', 'third-party', 'thirdparty', '.venv', 'venv',
  '.virtualenv', 'site-packages', 'dist-packages', '__pypackages__', '.tox', '.nox', 'pods', 'carthage', '.gradle', '.m2', '.terraform',
  '.pnpm-store', '.bundle', '.yarn',
]);
const GENERATED_DIRS = new Set(['dist', 'build', 'out', '.next', '.nuxt', '.svelte-kit', '.output', 'generated', '__generated__', 'gen']);
const FIXTURE_DIRS = new Set([
  'fixtures', 'fixture', '__fixtures__', 'testdata', 'test-data', 'test_data', 'testfixtures', '__snapshots__', 'snapshots', 'cassettes',
  'vcr_cassettes', '__mocks__', 'mocks', 'mock', 'stubs', 'golden', 'goldens', 'recordings',
]);
const TEST_DIRS = new Set(['test', 'tests', '__tests__', 'spec', 'specs', 'e2e', 'testing', 'integration-tests', 'integration_tests', 'unittests', 'cypress']);
const EXAMPLE_DIRS = new Set(['examples', 'example', 'samples', 'sample', 'demo', 'demos', 'playground', 'playgrounds', 'cookbook', 'cookbooks', 'tutorials', 'tutorial', 'quickstarts']);
const DOC_DIRS = new Set(['docs', 'doc', 'documentation', 'wiki', 'man', 'docusaurus', 'website', 'site-docs']);
const LOCALE_DIRS = new Set(['locales', 'locale', 'i18n', 'l10n', 'lang', 'langs', 'translations', 'messages', 'lproj']);

const SOURCE_EXTS = new Set([
  'py', 'pyi', 'ipynb', 'js', 'mjs', 'cjs', 'jsx', 'ts', 'mts', 'cts', 'tsx', 'vue', 'svelte', 'astro', 'go', 'java', 'kt', 'kts', 'scala', 'groovy',
  'cs', 'fs', 'vb', 'rb', 'rs', 'php', 'swift', 'm', 'mm', 'c', 'cc', 'cpp', 'h', 'hpp', 'dart', 'ex', 'exs', 'erl', 'clj', 'lua', 'r', 'jl',
  'sh', 'bash', 'zsh', 'ps1', 'pl', 'hs', 'ml', 'elm', 'zig', 'nim',
]);
const PROSE_EXTS = new Set(['md', 'mdx', 'markdown', 'rst', 'adoc', 'asciidoc', 'txt', 'org', 'tex', 'rtf']);
const UI_TEXT_EXTS = new Set(['po', 'pot', 'xliff', 'xlf', 'strings', 'stringsdict', 'arb', 'resw']);
const TEMPLATE_EXTS = new Set(['html', 'htm', 'hbs', 'handlebars', 'ejs', 'erb', 'jinja', 'jinja2', 'j2', 'njk', 'liquid', 'mustache', 'twig', 'pug', 'cshtml', 'razor']);
const CONFIG_EXTS = new Set(['json', 'jsonc', 'json5', 'yaml', 'yml', 'toml', 'ini', 'cfg', 'conf', 'properties', 'xml', 'config', 'env', 'plist', 'hcl']);
const IAC_EXTS = new Set(['tf', 'tfvars', 'bicep', 'bicepparam']);
/** Prose files whose name says what they are, whatever their extension. */
const DOC_NAMES = /^(readme|changelog|changes|history|contributing|code_of_conduct|security|support|authors|notice|license|licence|migration|upgrading|governance|faq)(\.|$)/i;

function extOf(name: string): string {
  const i = name.lastIndexOf('.');
  return i > 0 ? name.slice(i + 1).toLowerCase() : '';
}

/** A file name that is a test by the conventions of its language (Go, Python, JS/TS, JVM, .NET, Ruby, Swift, PHP). */
export function isTestFileName(name: string): boolean {
  return (
    /_test\.(go|py|rb|exs|dart)$/.test(name) ||
    /^test_.+\.py$/.test(name) ||
    name === 'conftest.py' ||
    /\.(test|spec|e2e-spec|e2e)\.[cm]?[jt]sx?$/.test(name) ||
    /_spec\.rb$/.test(name) ||
    /[A-Za-z0-9](Test|Tests|IT|Spec)\.(java|kt|kts|scala|groovy|cs|fs|vb|swift|php)$/.test(name)
  );
}

/** A folder name that holds tests: exact names, `*-tests` / `*_tests`, and `SomethingTests` / `jvmTest` (JVM, .NET, Swift). */
function isTestDir(seg: string): boolean {
  const lower = seg.toLowerCase();
  if (TEST_DIRS.has(lower)) return true;
  if (/^[a-z0-9]+([-_.][a-z0-9]+)*[-_.]tests?$/.test(lower)) return true;
  // PascalCase / camelCase / dotted: AcmeKitTests, Acme.Core.Tests, commonTest, androidTest — never `Contest`, `latest`
  return /^[A-Za-z0-9._-]+Tests?$/.test(seg);
}

function isExampleDir(seg: string): boolean {
  const lower = seg.toLowerCase();
  if (EXAMPLE_DIRS.has(lower)) return true;
  // Acme.Playground, Foo.Samples, Bar.Examples (.NET / JVM project folders)
  return /\.(playground|samples?|examples?|demos?)$/i.test(seg);
}

/** Generated-code markers that tools write in the first lines (Go, protobuf, OpenAPI, many others). */
const GENERATED_MARKER = /(?:^|\n)\s*(?:\/\/|#|\/\*|<!--|--|;)[^\n]{0,80}(?:Code generated [^\n]*DO NOT EDIT|@generated\b|auto-?generated by|automatically generated by|generated by the protocol buffer compiler)/i;

export interface RoleInput {
  /** Path inside the subject (forward slashes). */
  relPath: string;
  /** The first few KiB of text, when the file is text (generated-code markers, test frameworks). */
  head?: string;
  /** The rules recognise this path as an agent / MCP config (RuleIndex.matchAgentConfig). */
  agentConfig?: boolean;
}

/** The role of a file in its repository. */
export function fileRole({ relPath, head, agentConfig }: RoleInput): Role {
  const parts = relPath.split('/');
  const name = parts[parts.length - 1];
  const dirs = parts.slice(0, -1);
  const lowerDirs = dirs.map((d) => d.toLowerCase());
  const ext = extOf(name);
  if (lowerDirs.some((d) => VENDORED_DIRS.has(d))) return 'vendored';
  if (/\.min\.(js|css)$/.test(name) || /\.pb\.go$|_pb2(_grpc)?\.py$|\.g\.dart$|\.freezed\.dart$|\.generated\.\w+$|\.designer\.cs$/i.test(name)) return 'generated';
  if (lowerDirs.some((d) => FIXTURE_DIRS.has(d))) return 'fixture';
  if (dirs.some(isTestDir) || isTestFileName(name)) return 'test';
  if (dirs.some(isExampleDir)) return 'example';
  if (lowerDirs.some((d) => DOC_DIRS.has(d))) return 'docs';
  if (lowerDirs.some((d) => LOCALE_DIRS.has(d) || d.endsWith('.lproj')) || UI_TEXT_EXTS.has(ext)) return 'ui-text';
  if (agentConfig) return 'agent-config';
  if (isCiPath(relPath)) return 'ci';
  if (manifestParsers.some((p) => safe(() => p.matches(relPath, name))) || /\.lock$|^go\.sum$|lock\.json$|lock\.ya?ml$/i.test(name)) return 'manifest';
  if (isIacPath(relPath, name, ext, head)) return 'iac';
  if (lowerDirs.some((d) => GENERATED_DIRS.has(d)) || (head !== undefined && GENERATED_MARKER.test(head.slice(0, 2048)))) return 'generated';
  if (DOC_NAMES.test(name) && !SOURCE_EXTS.has(ext)) return 'docs';
  if (PROSE_EXTS.has(ext)) return 'docs';
  if (TEMPLATE_EXTS.has(ext)) return 'ui-text';
  if (ext === 'py' && head !== undefined && /^\s*(?:import pytest|from pytest |from unittest import|import unittest)\b/m.test(head) && /^\s*def test_|^\s*class Test\w*\(/m.test(head)) return 'test';
  if (SOURCE_EXTS.has(ext)) return 'source';
  if (CONFIG_EXTS.has(ext) || name.startsWith('.env') || name.endsWith('.env') || /\.(example|sample|template|dist|defaults?)$/i.test(name)) return 'config';
  if (/^(makefile|procfile|justfile|brewfile|vagrantfile)$/i.test(name)) return 'config';
  return 'config';
}

function safe(f: () => boolean): boolean {
  try {
    return f();
  } catch {
    return false;
  }
}

/** CI pipeline definitions of the common hosted and self-hosted CI systems. */
export function isCiPath(relPath: string): boolean {
  return (
    /^\.github\/workflows\/[^/]+\.ya?ml$/.test(relPath) ||
    /^\.github\/actions\/.+\/action\.ya?ml$/.test(relPath) ||
    /^action\.ya?ml$/.test(relPath) ||
    /^\.gitlab-ci\.ya?ml$|^\.gitlab\/ci\//.test(relPath) ||
    /^\.circleci\//.test(relPath) ||
    /^\.buildkite\//.test(relPath) ||
    /^(azure-pipelines|bitbucket-pipelines|\.travis|\.drone|\.woodpecker|cloudbuild|buildspec|appveyor|\.appveyor|codemagic)\.ya?ml$/.test(relPath) ||
    /^\.woodpecker\//.test(relPath) ||
    /^\.tekton\//.test(relPath) ||
    /(^|\/)Jenkinsfile$/.test(relPath)
  );
}

/** Infrastructure as code: Terraform, Bicep / ARM, CloudFormation / SAM, Pulumi, containers, Kubernetes / Helm. */
function isIacPath(relPath: string, name: string, ext: string, head?: string): boolean {
  if (IAC_EXTS.has(ext) || name.endsWith('.tf.json')) return true;
  const lower = name.toLowerCase();
  if (lower === 'dockerfile' || lower.startsWith('dockerfile.') || lower.endsWith('.dockerfile') || lower === 'containerfile') return true;
  if (/^(docker-)?compose([.-][\w.-]+)?\.ya?ml$/.test(lower)) return true;
  if (/^pulumi(\.[\w-]+)?\.ya?ml$/.test(lower) || lower === 'chart.yaml' || lower === 'kustomization.yaml' || lower === 'skaffold.yaml') return true;
  if (/(^|\/)(charts?|helm|k8s|kubernetes|manifests|deploy|deployment|infra|infrastructure|terraform|cloudformation|cfn)\//i.test(relPath) && ['yaml', 'yml', 'json', 'tpl'].includes(ext)) return true;
  if (head !== undefined && ['yaml', 'yml', 'json', 'template'].includes(ext)) {
    const h = head.slice(0, 4096);
    if (/AWSTemplateFormatVersion|"?Transform"?\s*:\s*"?AWS::Serverless|deploymentTemplate\.json#|^\s*apiVersion:\s*\S+\s*$[\s\S]*^\s*kind:\s*[A-Z]/m.test(h)) return true;
  }
  return false;
}

/** File extensions that mix code and markup (a line there may be rendered text). */
const MARKUP_CODE_EXTS = new Set(['jsx', 'tsx', 'vue', 'svelte', 'astro', 'html', 'htm', 'php', 'erb', 'cshtml', 'razor']);

/**
 * The role of one observation: the file's role, except that in a file mixing code and markup a
 * line that renders a link or text (`href=…`, `<a …>`, JSX text between tags) is UI text — a
 * footer linking to a vendor is not a call to it.
 */
export function lineRole(file: Role, relPath: string, line: string | undefined): Role {
  if (file !== 'source' || line === undefined) return file;
  const ext = extOf(relPath.slice(relPath.lastIndexOf('/') + 1));
  if (!MARKUP_CODE_EXTS.has(ext)) return file;
  if (/\bhref\s*=|<a[\s>]|\bsrc\s*=\s*["'{]?https?:/i.test(line)) return 'ui-text';
  // text between two tags: `<p>Get a key at https://… </p>`
  if (/>[^<>{}]*https?:\/\/[^<>{}]*</.test(line)) return 'ui-text';
  return file;
}
