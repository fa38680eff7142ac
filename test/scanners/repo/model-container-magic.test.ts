/**
 * Generic container signatures (gzip, xz, zlib, lz4) in rules/model-formats.yaml identify a model
 * format only together with its extension: a compressed trace or log is not a model.
 */
import { describe, expect, it } from 'vitest';
import { detectModelFormat } from '../../../scanners/repo/parsers/code/model-artifacts.js';
import { loadRules } from '../../../src/rules/load.js';

const formats = loadRules().modelFormats;
const XZ = Buffer.from('fd377a585a000004e6d6b4460200210116000000742fe5a3', 'hex');
const GZ = Buffer.from('1f8b0800000000000003', 'hex');
const GGUF = Buffer.from('474755460300000000000000', 'hex');

describe('model formats: container magic needs the extension', () => {
  it('an xz or gzip file without a model extension is not a model', () => {
    expect(detectModelFormat(formats, 'scarab-recs.trace.xz', XZ)).toBeUndefined();
    expect(detectModelFormat(formats, 'ds1.gz', GZ)).toBeUndefined();
  });
  it('the same bytes with the format extension are that format', () => {
    expect(detectModelFormat(formats, 'model.joblib', XZ)?.format.id).toBe('joblib');
    expect(detectModelFormat(formats, 'clf.joblib', GZ)?.format.id).toBe('joblib');
  });
  it('a format-specific magic still decides without the extension', () => {
    expect(detectModelFormat(formats, 'weights.blob', GGUF)?.format.id).toBe('gguf');
  });
});
