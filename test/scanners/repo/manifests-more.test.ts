/**
 * Composer, gemspec, Cargo.lock, Swift (Package.swift / Package.resolved / Xcode project), CocoaPods,
 * pub, and the Python lock files — each in the shape its tool writes (samples follow the formats'
 * documentation: getcomposer.org schema and lock, guides.rubygems.org specification reference,
 * doc.rust-lang.org Cargo.lock, swift.org PackageDescription and Package.resolved v1/v2,
 * guides.cocoapods.org Podfile / Podfile.lock, dart.dev pubspec and pubspec.lock, python-poetry.org
 * poetry.lock, docs.astral.sh uv.lock, pipenv Pipfile.lock).
 */
import { describe, expect, it } from 'vitest';
import { parsers } from '../../../scanners/repo/parsers/index.js';
import { swiftPackageId } from '../../../scanners/repo/parsers/manifests/more.js';
import { runParserText } from './helpers.js';

function pkgs(relPath: string, text: string) {
  const name = relPath.slice(relPath.lastIndexOf('/') + 1);
  const ps = parsers.filter((p) => !p.binary && p.matches(relPath, name) && p.id !== 'config-urls' && p.id !== 'config-env-vars' && p.id !== 'iac-templates' && p.id !== 'yaml-images' && p.id !== 'mcp-config');
  const out = ps.flatMap((p) => runParserText(p, text, relPath).obs.filter((o) => o.kind === 'package'));
  const problems = ps.flatMap((p) => runParserText(p, text, relPath).problems);
  return { list: out.map((o) => `${o.namespace}:${o.value}@${o.line}${o.attrs?.direct === false ? ' transitive' : ''}${o.attrs?.scope ? ` ${o.attrs.scope}` : ''}`), problems };
}

describe('composer', () => {
  it('composer.json require and require-dev, platform packages skipped', () => {
    const r = pkgs('composer.json', JSON.stringify({ name: 'acme/app', require: { php: '^8.2', 'ext-json': '*', 'acme/llm-php': '^0.10' }, 'require-dev': { 'pestphp/pest': '^3' } }, null, 4));
    expect(r.list).toEqual(['composer:acme/llm-php@6 require', 'composer:pestphp/pest@9 require-dev']);
  });
  it('composer.lock: a package no other package requires is direct', () => {
    const lock = JSON.stringify({ 'content-hash': 'x', packages: [{ name: 'acme/llm-php', version: 'v0.10.3', require: { 'php-http/discovery': '^1.19' } }, { name: 'php-http/discovery', version: '1.19.4' }], 'packages-dev': [] }, null, 4);
    expect(pkgs('composer.lock', lock).list).toEqual(['composer:acme/llm-php@5 packages', 'composer:php-http/discovery@12 transitive packages']);
  });
  it('malformed composer.json is a problem with its line, not a crash', () => {
    const r = pkgs('composer.json', '{\n  "require": {\n    "acme/llm-php": \n}\n');
    expect(r.list).toEqual([]);
    expect(r.problems.length).toBe(1);
    expect(r.problems[0].message).toMatch(/invalid JSON/);
  });
});

describe('rubygems gemspec', () => {
  it('runtime and development dependencies, any receiver name', () => {
    const spec = [
      'Gem::Specification.new do |spec|',
      '  spec.name = "acme-app"',
      '  spec.add_dependency "acme-llm", "~> 1.0"',
      '  spec.add_runtime_dependency("faraday", ">= 2")',
      '  s.add_development_dependency \'rspec\'',
      '  # spec.add_dependency "commented"',
      'end',
    ].join('\n');
    expect(pkgs('acme-app.gemspec', spec).list).toEqual(['rubygems:acme-llm@3 runtime', 'rubygems:faraday@4 runtime', 'rubygems:rspec@5 development']);
  });
});

describe('Cargo.lock', () => {
  it('registry packages; those a workspace member lists are direct', () => {
    const lock = [
      'version = 3',
      '',
      '[[package]]',
      'name = "acme-app"',
      'version = "0.1.0"',
      'dependencies = [',
      ' "acme-llm",',
      ' "serde 1.0.200",',
      ']',
      '',
      '[[package]]',
      'name = "acme-llm"',
      'version = "0.14.2"',
      'source = "registry+https://github.com/rust-lang/crates.io-index"',
      'checksum = "00"',
      'dependencies = [',
      ' "reqwest",',
      ']',
      '',
      '[[package]]',
      'name = "reqwest"',
      'version = "0.12.0"',
      'source = "registry+https://github.com/rust-lang/crates.io-index"',
    ].join('\n');
    expect(pkgs('Cargo.lock', lock).list).toEqual(['cargo:acme-llm@12', 'cargo:reqwest@21 transitive']);
  });
});

describe('Swift Package Manager', () => {
  it('Package.swift url and registry packages; local path packages skipped', () => {
    const manifest = [
      '// swift-tools-version:5.9',
      'import PackageDescription',
      'let package = Package(',
      '    name: "App",',
      '    dependencies: [',
      '        .package(url: "https://github.com/Acme/LLM-Swift.git", from: "0.2.0"),',
      '        .package(name: "Other", url: "git@github.com:acme/other.git", .upToNextMajor(from: "1.0.0")),',
      '        .package(id: "acme.kit", exact: "1.2.3"),',
      '        .package(path: "../Local"),',
      '    ]',
      ')',
    ].join('\n');
    expect(pkgs('Package.swift', manifest).list).toEqual(['swift:github.com/acme/llm-swift@6', 'swift:github.com/acme/other@7', 'swift:acme.kit@8']);
  });
  it('Package.resolved v1 and v2 pins are inferred (transitive unless the manifest says otherwise)', () => {
    const v2 = JSON.stringify({ pins: [{ identity: 'llm-swift', kind: 'remoteSourceControl', location: 'https://github.com/acme/llm-swift.git', state: { revision: 'ab', version: '0.2.0' } }], version: 2 }, null, 2);
    const v1 = JSON.stringify({ object: { pins: [{ package: 'LLM', repositoryURL: 'https://github.com/acme/llm-swift', state: { version: '0.1.0' } }] }, version: 1 }, null, 2);
    expect(pkgs('App.xcodeproj/project.xcworkspace/xcshareddata/swiftpm/Package.resolved', v2).list).toEqual(['swift:github.com/acme/llm-swift@6 transitive']);
    expect(pkgs('Package.resolved', v1).list).toEqual(['swift:github.com/acme/llm-swift@6 transitive']);
  });
  it('Xcode project package references are direct', () => {
    const pbx = ['/* Begin XCRemoteSwiftPackageReference section */', '\t\tAA /* XCRemoteSwiftPackageReference "LLM" */ = {', '\t\t\tisa = XCRemoteSwiftPackageReference;', '\t\t\trepositoryURL = "https://github.com/acme/llm-swift";', '\t\t};'].join('\n');
    expect(pkgs('App.xcodeproj/project.pbxproj', pbx).list).toEqual(['swift:github.com/acme/llm-swift@4']);
  });
  it('swiftPackageId normalises locations and refuses local paths', () => {
    expect(swiftPackageId('https://user@github.com/Acme/X.git/')).toBe('github.com/acme/x');
    expect(swiftPackageId('../Local')).toBeUndefined();
  });
});

describe('CocoaPods', () => {
  it('Podfile pods (subspecs folded to the pod) and Podfile.lock with DEPENDENCIES as direct', () => {
    const podfile = ["platform :ios, '15.0'", "target 'App' do", "  pod 'AcmeLLM', '~> 1.0'", "  pod 'Firebase/Analytics'", "  # pod 'Commented'", 'end'].join('\n');
    expect(pkgs('Podfile', podfile).list).toEqual(['cocoapods:AcmeLLM@3', 'cocoapods:Firebase@4']);
    const lock = ['PODS:', '  - AcmeLLM (1.0.2):', '    - Alamofire (~> 5.0)', '  - Alamofire (5.9.1)', '', 'DEPENDENCIES:', '  - AcmeLLM (~> 1.0)', '', 'COCOAPODS: 1.15.2', ''].join('\n');
    expect(pkgs('Podfile.lock', lock).list).toEqual(['cocoapods:AcmeLLM@2', 'cocoapods:Alamofire@3 transitive']);
  });
});

describe('Dart pub', () => {
  it('pubspec.yaml dependencies and dev_dependencies; sdk and path packages skipped', () => {
    const spec = ['name: app', 'dependencies:', '  flutter:', '    sdk: flutter', '  acme_llm: ^1.0.0', '  local_pkg:', '    path: ../local', '  hosted_pkg:', '    version: ^2.0.0', 'dev_dependencies:', '  test: ^1.24.0'].join('\n');
    expect(pkgs('pubspec.yaml', spec).list).toEqual(['pub:acme_llm@5 dependencies', 'pub:hosted_pkg@8 dependencies', 'pub:test@11 dev_dependencies']);
  });
  it('pubspec.lock: direct main / direct dev / transitive', () => {
    const lock = ['packages:', '  acme_llm:', '    dependency: "direct main"', '    description:', '      name: acme_llm', '      url: "https://pub.dev"', '    source: hosted', '    version: "1.0.0"', '  http:', '    dependency: transitive', '    source: hosted', '    version: "1.2.0"', 'sdks:', '  dart: ">=3.0.0 <4.0.0"'].join('\n');
    expect(pkgs('pubspec.lock', lock).list).toEqual(['pub:acme_llm@2', 'pub:http@9 transitive']);
  });
});

describe('Python lock files', () => {
  it('uv.lock marks the root project dependencies direct', () => {
    const lock = ['version = 1', '', '[[package]]', 'name = "app"', 'version = "0.1.0"', 'source = { editable = "." }', 'dependencies = [', '    { name = "acme-llm" },', ']', '', '[[package]]', 'name = "acme-llm"', 'version = "1.2.0"', 'source = { registry = "https://pypi.org/simple" }', '', '[[package]]', 'name = "httpx"', 'version = "0.27.0"', 'source = { registry = "https://pypi.org/simple" }'].join('\n');
    expect(pkgs('uv.lock', lock).list).toEqual(['pypi:acme-llm@12', 'pypi:httpx@17 transitive']);
  });
  it('poetry.lock and Pipfile.lock entries are inferred (the pyproject / Pipfile declares)', () => {
    const poetry = ['[[package]]', 'name = "acme-llm"', 'version = "1.2.0"', 'description = ""', 'optional = false', 'python-versions = ">=3.8"', '', '[metadata]', 'lock-version = "2.0"'].join('\n');
    expect(pkgs('poetry.lock', poetry).list).toEqual(['pypi:acme-llm@2 transitive']);
    const pipfile = JSON.stringify({ _meta: { hash: { sha256: 'x' } }, default: { 'acme-llm': { version: '==1.2.0' } }, develop: { pytest: { version: '==8.0.0' } } }, null, 4);
    expect(pkgs('Pipfile.lock', pipfile).list).toEqual(['pypi:acme-llm@8 transitive default', 'pypi:pytest@13 transitive develop']);
  });
});
