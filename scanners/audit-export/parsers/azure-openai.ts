/**
 * Azure OpenAI (Cognitive Services) diagnostic logs in the Azure Monitor resource-log schema:
 * storage-account JSON lines (`PT1H.json`) or Event Hub `{"records":[…]}`. `properties` is an
 * object or a JSON string. A record of a `MICROSOFT.COGNITIVESERVICES/ACCOUNTS/<name>` resource
 * that is an Azure OpenAI call (apiName "Azure OpenAI …", an OpenAI operation or model) becomes a
 * `saas-app` event named "Azure OpenAI" — the name the azure-openai rule lists in
 * `saas.appNames` — with the operation, account, deployment and model as attrs. Other Cognitive
 * Services records (Speech, Language …, no OpenAI marker) are read but yield nothing.
 *
 * Subject: the caller identity (identity claims' UPN, else the Entra `objectId`), else the
 * caller IP with its last octet masked (Azure masks it already; an unmasked one is masked here).
 * RequestResponse / usage categories are usage, Audit and others presence; HTTP 4xx / 5xx
 * `resultSignature` is an attempt (success = false).
 */
import type { AuditEvent, RecordParser } from '../lib/types.js';
import { get, gs, isoTime, obj, str, type Rec } from '../lib/util.js';

const RESOURCE = /\/providers\/microsoft\.cognitiveservices\/accounts\/([^/]+)/i;
/** Azure OpenAI data-plane operation names (ChatCompletions_Create, Create_Thread, Responses_Create …). */
const OPENAI_OPS = /^(ChatCompletions|Completions|Embeddings|ImageGenerations|Images|Audio|Transcriptions|Translations|Speech|Responses|Realtime|Assistants?|Threads?|Runs?|Messages|Files|FineTun|Batch|VectorStores?|Moderations)_|_(Assistant|Thread|Run|Message|VectorStore|Response)s?$/i;
const OPENAI_MODEL = /^(gpt|o\d|dall-e|whisper|tts|text-embedding|text-davinci|davinci|babbage|ada|codex|sora|computer-use|chatgpt)/i;
const USAGE_CATEGORY = /^(RequestResponse|AzureOpenAIRequestUsage|Trace)$/i;
const UPN_CLAIMS = ['upn', 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn', 'unique_name', 'preferred_username', 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name'];
const OID_CLAIMS = ['oid', 'http://schemas.microsoft.com/identity/claims/objectidentifier'];

/** `properties` as an object, also when the export wrote it as a JSON string. */
export function properties(rec: Rec): Rec {
  const p = get(rec, 'properties');
  if (obj(p)) return p as Rec;
  const s = str(p);
  if (s && s.startsWith('{')) {
    try {
      return obj(JSON.parse(s)) ?? {};
    } catch {
      return {};
    }
  }
  return {};
}

/** 81.2.69.142 → 81.2.69.***; an already masked address is kept. IPv6: the last group. */
export function maskIp(ip: string): string {
  if (/^\d+\.\d+\.\d+\.\d+$/.test(ip)) return ip.replace(/\.\d+$/, '.***');
  if (ip.includes(':') && !ip.includes('*')) return ip.replace(/:[0-9a-f]*$/i, ':***');
  return ip;
}

function claim(rec: Rec, names: string[]): string | undefined {
  const claims = obj(get(rec, 'identity.claims')) ?? obj(get(rec, 'identity.claim'));
  if (!claims) return undefined;
  for (const n of names) {
    const v = str(claims[n]);
    if (v) return v;
  }
  return undefined;
}

export function isAzureOpenAiRecord(rec: Rec, p: Rec = properties(rec)): boolean {
  const api = gs(p, 'apiName');
  if (api) return /openai/i.test(api);
  return OPENAI_OPS.test(gs(rec, 'operationName') ?? '') || OPENAI_MODEL.test(gs(p, 'modelName') ?? '');
}

export const parseAzureOpenAi: RecordParser = (rec) => {
  const resourceId = gs(rec, 'resourceId') ?? '';
  const m = RESOURCE.exec(resourceId);
  if (!m) return [];
  const p = properties(rec);
  if (!isAzureOpenAiRecord(rec, p)) return [];
  const upn = claim(rec, UPN_CLAIMS);
  const oid = gs(p, 'objectId') ?? claim(rec, OID_CLAIMS);
  const ip = gs(rec, 'callerIpAddress');
  const subject = upn && upn.includes('@')
    ? { kind: 'user', id: upn.toLowerCase() }
    : oid ? { kind: 'principal', id: oid.toLowerCase(), name: upn }
    : ip ? { kind: 'ip', id: maskIp(ip) } : undefined;
  if (!subject) return [];
  const status = gs(rec, 'resultSignature') ?? '';
  const failed = /^[45]\d\d$/.test(status) || /^(failed|failure|error)$/i.test(gs(rec, 'resultType') ?? '');
  const operation = gs(rec, 'operationName');
  const account = m[1].toLowerCase();
  const model = gs(p, 'modelName');
  const deployment = gs(p, 'modelDeploymentName');
  return [{
    kind: 'saas-app', value: 'Azure OpenAI',
    signal: USAGE_CATEGORY.test(gs(rec, 'category') ?? '') ? 'usage' : 'presence',
    subject, time: isoTime(get(rec, 'time')), success: !failed, eventId: gs(rec, 'correlationId'),
    key: `${account}|${deployment ?? ''}|${model ?? ''}|${operation ?? ''}`,
    attrs: {
      vendor: 'azure-openai', event: operation, account, deployment, modelId: model, modelVersion: gs(p, 'modelVersion'),
      region: gs(rec, 'location'), resultSignature: status || undefined, resourceId: resourceId.toLowerCase(),
    } as AuditEvent['attrs'],
  }];
};

export function isAzureOpenAi(rec: Rec): boolean {
  return typeof get(rec, 'category') === 'string' && RESOURCE.test(gs(rec, 'resourceId') ?? '') && get(rec, 'operationName') !== undefined;
}
