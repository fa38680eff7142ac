/**
 * AWS sweep: accounts (Organizations or a listed set, a read-only role assumed in each) ×
 * enabled regions. Each account×region is a unit. The scanner lists what exists through the
 * services' control-plane list APIs and the tagging API, and reports each resource as a
 * neutral `cloud-resource` observation whose value is the ARN's `service:resource-type`
 * token; the rules decide what it means. Governance facts (invocation logging, guardrail,
 * owner tag, created time) ride along as attrs.
 */
import { setMaxListeners } from 'node:events';
import pLimit from 'p-limit';
import { paginateListCustomModels, paginateListImportedModels, paginateListProvisionedModelThroughputs, paginateListInferenceProfiles, paginateListGuardrails, GetModelInvocationLoggingConfigurationCommand } from '@aws-sdk/client-bedrock';
import { paginateListAgents, paginateListKnowledgeBases, GetAgentCommand, GetKnowledgeBaseCommand } from '@aws-sdk/client-bedrock-agent';
import { paginateListEndpoints, paginateListModels, paginateListNotebookInstances, paginateListDomains } from '@aws-sdk/client-sagemaker';
import { paginateGetResources } from '@aws-sdk/client-resource-groups-tagging-api';
import type { AwsCredentialIdentityProvider } from '@smithy/types';
import { ScanError } from '../../src/core/errors.js';
import type { AttrValue, Coverage, Observation, ScanContext, Sink } from '../../src/core/types.js';
import { AwsClientFactory, assumeRoleProvider, baseCredentials, callerIdentity, describeRegions, organizationAccountPages } from './client.js';
import type { AwsOptions } from './index.js';

export const SCANNER_ID = 'aws';

/** ARN → parts. `arn:partition:service:region:account:type/id` (or `type:id`, or `id`). */
export function parseArn(arn: string): { partition: string; service: string; region: string; account: string; type: string; id: string } | undefined {
  const p = arn.split(':');
  if (p.length < 6 || p[0] !== 'arn') return undefined;
  const resource = p.slice(5).join(':');
  const m = /^([^/:]+)[/:](.*)$/.exec(resource);
  return { partition: p[1], service: p[2], region: p[3], account: p[4], type: m ? m[1] : '', id: m ? m[2] : resource };
}

/** The `service:resource-type` token of an ARN (Resource Groups Tagging API filter form). */
export function arnToken(arn: string): string {
  const a = parseArn(arn);
  if (!a) return '';
  return a.type ? `${a.service}:${a.type}` : a.service;
}

/** Classifies an SDK error for coverage reasons. */
export function classifyError(e: unknown): { kind: 'denied' | 'expired' | 'not-enabled' | 'unavailable' | 'throttled' | 'aborted' | 'other'; message: string } {
  const err = e as { name?: string; Code?: string; code?: string; message?: string; $metadata?: { httpStatusCode?: number } };
  const name = err?.name ?? err?.Code ?? '';
  const code = err?.code ?? '';
  const message = `${name && name !== 'Error' ? name + ': ' : ''}${err?.message ?? String(e)}`.slice(0, 300);
  if (name === 'AbortError' || code === 'ABORT_ERR') return { kind: 'aborted', message };
  if (/^(ExpiredToken|ExpiredTokenException|RequestExpired|TokenRefreshRequired|InvalidAuthenticationTokenExpired)$/.test(name)) return { kind: 'expired', message };
  if (/^(AccessDenied|AccessDeniedException|UnauthorizedOperation|AuthorizationError|UnauthorizedException|AccessDeniedForDependencyException)$/.test(name)) return { kind: 'denied', message };
  if (/^(UnrecognizedClientException|InvalidClientTokenId|AuthFailure|OptInRequired|InvalidIdentityToken)$/.test(name)) return { kind: 'not-enabled', message };
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN' || /getaddrinfo ENOTFOUND/.test(err?.message ?? '')) return { kind: 'unavailable', message };
  if (/Throttl|TooManyRequests|RequestLimitExceeded|SlowDown/.test(name)) return { kind: 'throttled', message };
  return { kind: 'other', message };
}

const REASON: Record<string, string> = {
  denied: 'access denied',
  expired: 'credential expired',
  'not-enabled': 'region not enabled for this account (opt-in) or credential not valid there',
  throttled: 'throttled after retries',
  aborted: 'aborted',
  other: 'error',
};

interface Resource {
  arn: string;
  name?: string;
  createdAt?: string;
  attrs: Record<string, AttrValue>;
}

interface UnitResult {
  unit: string;
  observations: Observation[];
  failed?: string;
  skipped?: string;
}

function iso(d: unknown): string | undefined {
  if (d instanceof Date && !Number.isNaN(d.getTime())) return d.toISOString();
  if (typeof d === 'string' && d) return new Date(d).toISOString();
  return undefined;
}

/** The resource id of a model ARN (foundation-model/<id>, custom-model/<id> …) or the id as given. */
function modelIdOf(ref: string | undefined): string | undefined {
  if (!ref) return undefined;
  const a = parseArn(ref);
  return a ? a.id : ref;
}

function ownerOf(tags: Record<string, string>, keys: string[]): string | undefined {
  const lower = new Map(Object.entries(tags).map(([k, v]) => [k.toLowerCase(), v]));
  for (const k of keys) {
    const v = lower.get(k.toLowerCase());
    if (v) return v;
  }
  return undefined;
}

/** Service prefixes / ARN tokens the rules name, as Resource Groups Tagging API filters. */
export function tagFilters(ctx: ScanContext<AwsOptions>): string[] {
  const set = new Set<string>();
  for (const s of ctx.rules.services) for (const t of s.match.cloud.aws.resourceTypes) set.add(t);
  return [...set].sort();
}

/** Whether an ARN is of a type a Resource Groups Tagging API filter names (`service` or `service:type`). */
export function matchesFilter(arn: string, filters: string[]): boolean {
  const a = parseArn(arn);
  if (!a) return false;
  const svc = a.service.toLowerCase();
  const token = arnToken(arn).toLowerCase();
  return filters.some((f) => {
    const x = f.toLowerCase();
    return x === svc || x === token;
  });
}

export async function scan(ctx: ScanContext<AwsOptions>, sink: Sink): Promise<Coverage> {
  const o = ctx.options;
  if (ctx.signal.aborted) return sink.coverage();
  // many concurrent SDK calls listen on the one abort signal
  setMaxListeners(0, ctx.signal);
  const homeRegion = o.homeRegion ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1';
  const factory = new AwsClientFactory({
    endpoint: o.endpoint,
    maxAttempts: o.maxAttempts,
    maxThrottleAttempts: o.maxThrottleAttempts,
    signal: ctx.signal,
    retryDelayScale: o.retryDelayScale,
    minSendRate: o.minSendRate,
    maxConcurrentRequests: o.maxConcurrentRequests,
    onAttempt: () => sink.stat('apiCalls', 1),
  });
  const base = baseCredentials(o.profile);
  try {
    await factory.init(homeRegion);
    let caller: { account: string; arn: string };
    try {
      caller = await callerIdentity(factory, homeRegion, base);
    } catch (e) {
      throw new ScanError(`aws: cannot identify the caller (sts:GetCallerIdentity): ${classifyError(e).message}`, { cause: e });
    }
    const partition = parseArn(caller.arn)?.partition ?? 'aws';

    const results = new Map<string, UnitResult>();
    const accountLimit = pLimit(o.accountConcurrency);
    const regionLimit = pLimit(o.regionConcurrency);
    const filters = o.tagging ? tagFilters(ctx) : [];
    let done = 0;
    let total = 0;
    const started = new Set<string>();
    const sweeps: Array<Promise<void>> = [];
    const regionWork: Array<Promise<void>> = [];
    // An account's sweep starts as soon as it is known: Organizations pages feed the sweep as
    // they arrive instead of the whole organization being listed first.
    const start = (acct: { id: string; name?: string }) => {
      if (started.has(acct.id)) return;
      started.add(acct.id);
      sweeps.push(accountLimit(() => sweepAccount(acct)));
    };

    const sweepAccount = async (acct: { id: string; name?: string }) => {
      const accountUnit = `aws:${acct.id}`;
      if (ctx.signal.aborted) {
        results.set(accountUnit, { unit: accountUnit, observations: [], skipped: 'aborted' });
        return;
      }
      let creds: AwsCredentialIdentityProvider = base;
      if (acct.id !== caller.account) {
        const roleArn = `arn:${partition}:iam::${acct.id}:role/${o.roleName}`;
        creds = assumeRoleProvider(factory, homeRegion, base, roleArn, o.sessionName, o.externalId, o.sessionDurationSeconds);
        try {
          await creds();
        } catch (e) {
          results.set(accountUnit, ctx.signal.aborted ? { unit: accountUnit, observations: [], skipped: 'aborted' } : { unit: accountUnit, observations: [], failed: `cannot assume ${roleArn}: ${classifyError(e).message}` });
          return;
        }
      }
      let regions: string[];
      const skippedRegions: string[] = [];
      try {
        const all = await describeRegions(factory, homeRegion, creds);
        const enabled = new Set(all.filter((r) => r.optIn !== 'not-opted-in').map((r) => r.name));
        const known = new Set(all.map((r) => r.name));
        if (o.regions?.length) {
          regions = o.regions.filter((r) => enabled.has(r));
          for (const r of o.regions) if (!enabled.has(r)) skippedRegions.push(r);
          for (const r of skippedRegions)
            results.set(`aws:${acct.id}:${r}`, { unit: `aws:${acct.id}:${r}`, observations: [], skipped: known.has(r) ? 'opt-in region not enabled for this account' : 'unknown region' });
        } else {
          regions = [...enabled];
          sink.stat('regionsNotOptedIn', all.length - enabled.size);
        }
      } catch (e) {
        const c = classifyError(e);
        if (ctx.signal.aborted) {
          results.set(accountUnit, { unit: accountUnit, observations: [], skipped: 'aborted' });
          return;
        }
        if (o.regions?.length) {
          regions = [...o.regions];
          sink.problem(accountUnit, `ec2:DescribeRegions failed (${c.message}); using the listed regions`);
        } else {
          results.set(accountUnit, { unit: accountUnit, observations: [], failed: `cannot list regions (ec2:DescribeRegions): ${REASON[c.kind]}: ${c.message}` });
          return;
        }
      }
      regions.sort();
      total += regions.length;
      // the account's slot is free once its role and regions are known: its regions queue for
      // the unit limit with every other account's
      for (const region of regions)
        regionWork.push(
          regionLimit(async () => {
            const unit = `aws:${acct.id}:${region}`;
            if (ctx.signal.aborted) {
              results.set(unit, { unit, observations: [], skipped: 'aborted' });
              return;
            }
            results.set(unit, await scanRegion(ctx, factory, creds, acct, region, unit, filters, sink, partition));
            sink.progress(++done, total, unit);
          }),
        );
    };

    // ---------------------------------------------------------------- accounts
    if (o.accounts?.length) {
      for (const id of [...new Set(o.accounts)].sort()) start({ id });
    } else if (o.organization) {
      let listed = 0;
      try {
        for await (const page of organizationAccountPages(factory, homeRegion, base)) {
          for (const a of page) {
            listed++;
            if (!a.status || a.status === 'ACTIVE') start({ id: a.id, name: a.name });
            else sink.unitSkipped(`aws:${a.id}`, `account status ${a.status}`);
          }
        }
        sink.stat('organizationAccounts', listed);
      } catch (e) {
        const c = classifyError(e);
        if (ctx.signal.aborted) results.set('aws:organizations', { unit: 'aws:organizations', observations: [], skipped: 'aborted' });
        else if (!listed) {
          sink.problem('aws:organizations', `Organizations ListAccounts unavailable (${c.message}); scanning the caller's account ${caller.account} only`);
          start({ id: caller.account });
        } else {
          // the accounts listed so far are swept; the rest of the organization is not covered
          sink.stat('organizationAccounts', listed);
          results.set('aws:organizations', { unit: 'aws:organizations', observations: [], failed: `Organizations ListAccounts failed after ${listed} account(s): ${REASON[c.kind] ?? c.kind}: ${c.message}` });
        }
      }
    } else {
      start({ id: caller.account });
    }
    await Promise.all(sweeps);
    await Promise.all(regionWork);

    // Deterministic output: units in sorted order, resources by ARN within a unit.
    for (const unit of [...results.keys()].sort()) {
      const r = results.get(unit)!;
      for (const ob of r.observations) sink.observe(ob);
      if (r.skipped) sink.unitSkipped(unit, r.skipped);
      else if (r.failed) sink.unitFailed(unit, r.failed);
      else sink.unitScanned(unit);
    }
    sink.stat('accounts', started.size);
    return sink.coverage();
  } finally {
    factory.destroyAll();
  }
}

async function scanRegion(
  ctx: ScanContext<AwsOptions>,
  factory: AwsClientFactory,
  creds: AwsCredentialIdentityProvider,
  acct: { id: string; name?: string },
  region: string,
  unit: string,
  filters: string[],
  sink: Sink,
  partition = 'aws',
): Promise<UnitResult> {
  const o = ctx.options;
  const signal = ctx.signal;
  const bedrock = factory.bedrock(region, creds);
  const agent = factory.bedrockAgent(region, creds);
  const sm = factory.sagemaker(region, creds);
  const tagging = factory.tagging(region, creds);
  const errors: Array<{ op: string; kind: string; message: string }> = [];
  const resources = new Map<string, Resource>();
  const tags = new Map<string, Record<string, string>>();
  let invocationLogging: boolean | null = null;

  const add = (arn: string | undefined, name: string | undefined, created: unknown, attrs: Record<string, AttrValue | undefined>) => {
    if (!arn) return;
    const clean: Record<string, AttrValue> = {};
    for (const [k, v] of Object.entries(attrs)) if (v !== undefined) clean[k] = v;
    const prev = resources.get(arn);
    if (prev) Object.assign(prev.attrs, clean);
    else resources.set(arn, { arn, name, createdAt: iso(created), attrs: clean });
  };

  async function op(name: string, fn: () => Promise<void>): Promise<void> {
    if (signal.aborted) return;
    try {
      await fn();
    } catch (e) {
      const c = classifyError(e);
      if (c.kind === 'unavailable') {
        sink.stat('serviceNotInRegion', 1);
        return;
      }
      errors.push({ op: name, kind: c.kind, message: c.message });
    }
  }

  const pageCfg = { pageSize: 100 };
  await Promise.all([
    op('bedrock:ListCustomModels', async () => {
      for await (const p of paginateListCustomModels({ client: bedrock, ...pageCfg }, {}))
        for (const m of p.modelSummaries ?? [])
          add(m.modelArn, m.modelName, m.creationTime, { modelId: modelIdOf(m.baseModelArn), baseModel: m.baseModelName, customizationType: m.customizationType, ownerAccount: m.ownerAccountId, status: m.modelStatus });
    }),
    op('bedrock:ListImportedModels', async () => {
      for await (const p of paginateListImportedModels({ client: bedrock, ...pageCfg }, {}))
        for (const m of p.modelSummaries ?? []) add(m.modelArn, m.modelName, m.creationTime, { modelArchitecture: m.modelArchitecture });
    }),
    op('bedrock:ListProvisionedModelThroughputs', async () => {
      for await (const p of paginateListProvisionedModelThroughputs({ client: bedrock, ...pageCfg }, {}))
        for (const m of p.provisionedModelSummaries ?? [])
          add(m.provisionedModelArn, m.provisionedModelName, m.creationTime, { modelId: modelIdOf(m.foundationModelArn ?? m.modelArn), model: m.modelArn, modelUnits: m.modelUnits, commitment: m.commitmentDuration, status: m.status });
    }),
    op('bedrock:ListInferenceProfiles', async () => {
      for await (const p of paginateListInferenceProfiles({ client: bedrock, ...pageCfg }, { typeEquals: 'APPLICATION' }))
        for (const m of p.inferenceProfileSummaries ?? []) {
          const models = (m.models ?? []).map((x) => modelIdOf(x.modelArn)).filter((x): x is string => !!x);
          add(m.inferenceProfileArn, m.inferenceProfileName, m.createdAt, { modelId: models[0], models: [...new Set(models)].sort(), status: m.status, profileType: m.type });
        }
    }),
    op('bedrock:ListGuardrails', async () => {
      for await (const p of paginateListGuardrails({ client: bedrock, ...pageCfg }, {}))
        for (const g of p.guardrails ?? []) add(g.arn, g.name, g.createdAt, { guardrailVersion: g.version, status: g.status });
    }),
    op('bedrock:GetModelInvocationLoggingConfiguration', async () => {
      const out = await bedrock.send(new GetModelInvocationLoggingConfigurationCommand({}));
      const c = out.loggingConfig;
      // on = a destination and at least one kind of data delivered: a config whose every
      // *DataDeliveryEnabled flag is explicitly false logs nothing (absent flags are not "false")
      const flags = c ? [c.textDataDeliveryEnabled, c.imageDataDeliveryEnabled, c.embeddingDataDeliveryEnabled, c.videoDataDeliveryEnabled] : [];
      const nothingDelivered = flags.length > 0 && flags.every((f) => f === false);
      invocationLogging = !!(c && (c.cloudWatchConfig?.logGroupName || c.s3Config?.bucketName)) && !nothingDelivered;
    }),
    op('bedrock:ListAgents', async () => {
      const ids: Array<{ id: string; guardrail?: string; version?: string; name?: string; updatedAt?: Date; status?: string }> = [];
      for await (const p of paginateListAgents({ client: agent, ...pageCfg }, {}))
        for (const a of p.agentSummaries ?? [])
          if (a.agentId)
            ids.push({ id: a.agentId, name: a.agentName, version: a.latestAgentVersion, updatedAt: a.updatedAt, status: a.agentStatus, guardrail: a.guardrailConfiguration?.guardrailIdentifier ? `${a.guardrailConfiguration.guardrailIdentifier}:${a.guardrailConfiguration.guardrailVersion ?? 'DRAFT'}` : undefined });
      await Promise.all(
        ids.map(async (a) => {
          let got = false;
          await op('bedrock:GetAgent', async () => {
            const out = await agent.send(new GetAgentCommand({ agentId: a.id }));
            const g = out.agent;
            const guardrail = g?.guardrailConfiguration?.guardrailIdentifier ? `${g.guardrailConfiguration.guardrailIdentifier}:${g.guardrailConfiguration.guardrailVersion ?? 'DRAFT'}` : a.guardrail;
            add(g?.agentArn, g?.agentName ?? a.name, g?.createdAt, { modelId: modelIdOf(g?.foundationModel), agentVersion: g?.agentVersion ?? a.version, guardrail: guardrail ?? null, guardrailAttached: !!guardrail, status: g?.agentStatus ?? a.status });
            got = !!g?.agentArn;
          });
          // GetAgent failed (denied, throttled …): the agent still exists — report it from the
          // ListAgents summary under its documented ARN; a guardrail the summary does not show
          // is unknown, not absent.
          if (!got)
            add(`arn:${partition}:bedrock:${region}:${acct.id}:agent/${a.id}`, a.name, undefined, { agentVersion: a.version, guardrail: a.guardrail ?? null, guardrailAttached: a.guardrail ? true : null, status: a.status, detail: 'summary only (GetAgent failed)' });
        }),
      );
    }),
    op('bedrock:ListKnowledgeBases', async () => {
      const kbs: Array<{ id: string; name?: string; status?: string }> = [];
      for await (const p of paginateListKnowledgeBases({ client: agent, ...pageCfg }, {})) for (const k of p.knowledgeBaseSummaries ?? []) if (k.knowledgeBaseId) kbs.push({ id: k.knowledgeBaseId, name: k.name, status: k.status });
      await Promise.all(
        kbs.map(async (kb) => {
          let got = false;
          await op('bedrock:GetKnowledgeBase', async () => {
            const out = await agent.send(new GetKnowledgeBaseCommand({ knowledgeBaseId: kb.id }));
            const k = out.knowledgeBase;
            add(k?.knowledgeBaseArn, k?.name ?? kb.name, k?.createdAt, { modelId: modelIdOf(k?.knowledgeBaseConfiguration?.vectorKnowledgeBaseConfiguration?.embeddingModelArn), storage: k?.storageConfiguration?.type, status: k?.status ?? kb.status });
            got = !!k?.knowledgeBaseArn;
          });
          if (!got) add(`arn:${partition}:bedrock:${region}:${acct.id}:knowledge-base/${kb.id}`, kb.name, undefined, { status: kb.status, detail: 'summary only (GetKnowledgeBase failed)' });
        }),
      );
    }),
    op('sagemaker:ListEndpoints', async () => {
      for await (const p of paginateListEndpoints({ client: sm, ...pageCfg }, {})) for (const e of p.Endpoints ?? []) add(e.EndpointArn, e.EndpointName, e.CreationTime, { status: e.EndpointStatus });
    }),
    op('sagemaker:ListModels', async () => {
      for await (const p of paginateListModels({ client: sm, ...pageCfg }, {})) for (const m of p.Models ?? []) add(m.ModelArn, m.ModelName, m.CreationTime, {});
    }),
    op('sagemaker:ListNotebookInstances', async () => {
      for await (const p of paginateListNotebookInstances({ client: sm, ...pageCfg }, {}))
        for (const n of p.NotebookInstances ?? []) add(n.NotebookInstanceArn, n.NotebookInstanceName, n.CreationTime, { instanceType: n.InstanceType, status: n.NotebookInstanceStatus });
    }),
    op('sagemaker:ListDomains', async () => {
      for await (const p of paginateListDomains({ client: sm, ...pageCfg }, {})) for (const d of p.Domains ?? []) add(d.DomainArn, d.DomainName, d.CreationTime, { domainId: d.DomainId, status: d.Status });
    }),
    ...(filters.length
      ? [
          op('tagging:GetResources', async () => {
            // The API takes at most 100 filters per call.
            for (let i = 0; i < filters.length; i += 100) {
              for await (const p of paginateGetResources({ client: tagging, pageSize: 100 }, { ResourceTypeFilters: filters.slice(i, i + 100) }))
                for (const m of p.ResourceTagMappingList ?? []) {
                  // Only resources of the types asked for: a tag (even one saying "ai") does not
                  // make another service's resource part of the inventory.
                  if (!m.ResourceARN || !matchesFilter(m.ResourceARN, filters)) continue;
                  const t: Record<string, string> = {};
                  for (const kv of m.Tags ?? []) if (kv.Key) t[kv.Key] = kv.Value ?? '';
                  tags.set(m.ResourceARN, t);
                }
            }
          }),
        ]
      : []),
  ]);

  // Tagged resources the list APIs did not return (other services the rules name).
  for (const arn of tags.keys()) if (!resources.has(arn)) add(arn, parseArn(arn)?.id, undefined, {});

  const observations: Observation[] = [];
  for (const r of [...resources.values()].sort((a, b) => a.arn.localeCompare(b.arn))) {
    const a = parseArn(r.arn);
    if (!a) continue;
    const t = tags.get(r.arn) ?? {};
    const owner = ownerOf(t, o.ownerTagKeys);
    const attrs: Record<string, AttrValue> = {
      // the coverage unit: a resource not seen again is gone only where this unit was fully covered
      unit,
      account: acct.id,
      region,
      arn: r.arn,
      resourceType: arnToken(r.arn),
      ...(r.name ? { name: r.name } : {}),
      ...r.attrs,
      ...(r.createdAt ? { createdAt: r.createdAt } : {}),
      owner: owner ?? null,
      ...(Object.keys(t).length ? { tags: Object.entries(t).map(([k, v]) => `${k}=${v}`).sort() } : {}),
      // The invocation logging setting is per account×region and covers this service's resources.
      ...(a.service === 'bedrock' ? { invocationLogging } : {}),
    };
    observations.push({
      kind: 'cloud-resource',
      value: arnToken(r.arn),
      namespace: 'aws',
      source: 'cloud',
      scanner: SCANNER_ID,
      signal: 'presence',
      confidence: 'declared',
      subject: { kind: 'account', id: acct.id, ...(acct.name ? { name: acct.name } : {}) },
      locator: r.arn,
      ...(r.createdAt ? { firstSeen: r.createdAt } : {}),
      attrs,
      artifact: { type: 'cloud-resource', key: r.arn, name: r.name ?? a.id, attrs },
    });
  }
  sink.stat('resources', observations.length);

  // an aborted sweep's requests fail as aborted: the unit is skipped, not failed
  if (signal.aborted) return { unit, observations, skipped: 'aborted' };
  if (errors.length) {
    const byKind = new Map<string, string[]>();
    for (const e of errors) byKind.set(e.kind, [...(byKind.get(e.kind) ?? []), e.op]);
    const reason = [...byKind.entries()].map(([k, ops]) => `${REASON[k] ?? k} (${[...new Set(ops)].sort().join(', ')})`).join('; ');
    const sample = errors[0].message;
    return { unit, observations, failed: `${reason}: ${sample}` };
  }
  return { unit, observations };
}
