/**
 * Schema of a rule file: `rules/services/<id>.yaml`, one AI service per file, file name = id.
 * `npm run rules:schema` writes the JSON Schema to rules/schema/service.schema.json.
 */
import { z } from 'zod';

export const ID_RE = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
const id = z.string().regex(ID_RE, 'expected a kebab-case id (a-z, 0-9, single dashes)');
const nonEmpty = z.string().min(1, 'expected a non-empty string');

/**
 * A domain rule. Exactly one of host / suffix / template.
 * - host: that exact host name.
 * - suffix: the name itself or any sub-domain at a label boundary (`openai.com` matches
 *   `api.openai.com`, never `notopenai.com` nor `openai.com.evil.net`).
 * - template: placeholders in braces stand for one DNS label: `{resource}.openai.azure.com`,
 *   `bedrock-runtime.{region}.amazonaws.com`.
 * `paths`: URL path prefixes required for a match (for hosts shared with non-AI use); when the
 * log carries no path, a rule with paths does not match.
 * `shared`: the domain is also claimed by another service (a platform selling several AI
 * products); it is allowed to overlap, and the more specific rule wins.
 */
export const domainRule = z
  .object({
    host: nonEmpty.optional(),
    suffix: nonEmpty.optional(),
    template: nonEmpty.optional(),
    paths: z.array(z.string().startsWith('/', 'expected a path starting with /')).optional(),
    shared: z.boolean().optional(),
    note: z.string().optional(),
  })
  .strict()
  .refine((d) => [d.host, d.suffix, d.template].filter(Boolean).length === 1, {
    message: 'expected exactly one of host, suffix, template',
  });

export const ecosystems = ['npm', 'pypi', 'maven', 'go', 'nuget', 'cargo', 'rubygems', 'composer', 'swift', 'cocoapods', 'pub'] as const;
export const languages = ['python', 'javascript', 'go', 'java', 'csharp', 'ruby', 'rust'] as const;

const credentialRule = z
  .object({
    id,
    description: z.string().optional(),
    /**
     * Literal strings, any of which must occur (case-insensitive) for the pattern to be tried:
     * the cheap pre-filter. For prefixed keys, the prefix.
     */
    keywords: z.array(nonEmpty).min(1, 'expected at least one keyword'),
    /**
     * JavaScript regular expression source (flags: none; no backreferences, no lookbehind).
     * If it has a capture group, group 1 is the secret; else the whole match.
     */
    pattern: nonEmpty,
    /**
     * For contextual keys (no distinctive prefix): the key must be tied to one of these words
     * (case-insensitive) — the name it is assigned to contains the word, or that name is a generic
     * credential name (`api_key`, `Authorization`) with the word on the same line or within
     * `contextWindow` characters before the key — and stand alone (not inside a URL path, hash or
     * longer token). See `contextBound` in src/rules/compile.ts.
     */
    context: z.array(nonEmpty).optional(),
    contextWindow: z.number().int().positive().max(400).optional(),
    /** Minimum Shannon entropy (bits per char) of the secret. */
    minEntropy: z.number().min(0).max(8).optional(),
    examples: z
      .object({
        match: z.array(z.string()).min(1, 'expected at least one matching example'),
        noMatch: z.array(z.string()).min(1, 'expected at least one counter-example'),
      })
      .strict(),
  })
  .strict();

const azureResource = z
  .object({
    type: nonEmpty,
    /** Restrict to these `kind` values (case-insensitive); absent = any kind. */
    kinds: z.array(nonEmpty).optional(),
  })
  .strict();

const modelFormatRef = id;

export const riskTraits = z
  .object({
    /** Does the provider train on customer data by default? */
    trainsOnCustomerData: z.enum(['yes', 'no', 'opt-out', 'opt-in', 'unknown']).default('unknown'),
    /** Prompt / data retention, free text ("30 days", "zero-retention available"). */
    retention: z.string().default('unknown'),
    dataResidency: z.array(z.string()).default([]),
    enterpriseTerms: z.enum(['yes', 'no', 'unknown']).default('unknown'),
    /** Where it runs relative to the organisation. */
    hosting: z.enum(['saas', 'cloud-tenant', 'self-hosted', 'library']).default('saas'),
    /** What data it typically reaches (prompts, code, mail, files, calendar, meetings, voice, images …). */
    dataAccess: z.array(z.string()).default([]),
    notes: z.string().optional(),
  })
  .strict();

export const matchSchema = z
  .object({
    domains: z.array(domainRule).default([]),
    /**
     * API base URLs. A `{placeholder}` stands for one DNS label in the host
     * (`https://{resource}.openai.azure.com/openai`) or one path segment; an explicit port
     * (`http://localhost:11434/v1`) must then match too.
     */
    apiBaseUrls: z
      .array(z.string().regex(/^https?:\/\/[A-Za-z0-9{}_.-]+(?::\d+)?(?:\/[^\s]*)?$/, 'expected an absolute http(s) URL ({placeholder} labels allowed)'))
      .default([]),
    packages: z.record(z.enum(ecosystems), z.array(nonEmpty)).default({}),
    /** Import names where they differ from package names (python `google.generativeai`, java `com.openai`). */
    imports: z.record(z.enum(languages), z.array(nonEmpty)).default({}),
    /** Environment variable names; a trailing `*` claims every name with that prefix (`AZURE_OPENAI_*`). */
    /**
     * Code symbols that switch an SDK to this service (a provider switch inside a generic
     * client): per language, an imported module and identifiers used in a file that imports it
     * (`github.com/sashabaranov/go-openai` + `DefaultAzureConfig`, `openai` + `AzureOpenAI`).
     * Only code counts (never comments or strings), and only in a file importing `import` or a
     * sub-module of it.
     */
    code: z
      .record(
        z.enum(languages),
        z.array(
          z
            .object({
              import: nonEmpty,
              symbols: z.array(z.string().regex(/^[A-Za-z_$][A-Za-z0-9_$]*$/, 'expected an identifier')).min(1, 'expected at least one symbol'),
            })
            .strict(),
        ),
      )
      .default({}),
    envVars: z.array(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*\*?$/, 'expected an environment variable name (a trailing * for a prefix)')).default([]),
    credentials: z.array(credentialRule).default([]),
    cloud: z
      .object({
        aws: z
          .object({
            /** ARN `service:resource-type` tokens (Resource Groups Tagging API filters). */
            resourceTypes: z.array(nonEmpty).default([]),
            /** CloudTrail eventSource values. */
            eventSources: z.array(nonEmpty).default([]),
          })
          .strict()
          .default({}),
        azure: z.array(azureResource).default([]),
        gcp: z
          .object({
            assetTypes: z.array(nonEmpty).default([]),
            /** Audit-log serviceName / service-usage API names. */
            services: z.array(nonEmpty).default([]),
          })
          .strict()
          .default({}),
      })
      .strict()
      .default({}),
    saas: z
      .object({
        /** App display names as they appear in audit logs; compared after normalisation (case, punctuation, spacing). */
        appNames: z.array(nonEmpty).default([]),
        /** OAuth client ids, Entra appIds, Slack / GitHub app ids — exact. */
        appIds: z.array(nonEmpty).default([]),
      })
      .strict()
      .default({}),
    /** Container image repositories, without tag or digest (`ollama/ollama`, `ghcr.io/ggml-org/llama.cpp`). */
    images: z.array(nonEmpty).default([]),
    /** Infrastructure-as-code resource types; a trailing `*` is a prefix match. */
    iac: z
      .object({
        /**
         * Terraform resource types; a trailing `*` is a prefix match; `type[Kind]` matches only
         * resources whose `kind` attribute is Kind (`azurerm_cognitive_account[OpenAI]`).
         */
        terraform: z.array(nonEmpty).default([]),
        /** CloudFormation resource types (`AWS::SageMaker::Endpoint`); trailing `*` allowed. */
        cloudformation: z.array(nonEmpty).default([]),
        /**
         * Platform bindings declared in a serverless / edge runtime's config, as `platform:binding`
         * (`cloudflare:ai` for `[ai]` in wrangler.toml / `"ai"` in wrangler.json).
         */
        bindings: z.array(z.string().regex(/^[a-z0-9-]+:[a-z0-9_-]+$/, 'expected platform:binding')).default([]),
      })
      .strict()
      .default({}),
    /**
     * Keys that name this provider in a tool's provider map (`localai:`, `ollama:`): a config block
     * under such a key whose base URL is on a local host (localhost, loopback, a compose service)
     * is evidence of the provider even when the port is not the provider's default.
     */
    configKeys: z.array(z.string().regex(/^[a-z0-9]+(?:[-_.][a-z0-9]+)*$/, 'expected a lower-case key')).default([]),
    /**
     * This service is a variant of another service's API with its own request contract (Azure
     * OpenAI: the OpenAI API with an `api-key` header and an `api-version` query parameter). A
     * repository whose own code uses `of` (usage-grade evidence) and whose source — outside tests,
     * fixtures, docs and examples — holds **every** one of `literals` as a string literal uses this
     * service too: an SDK or app that builds the variant's requests. Each literal is a header or
     * parameter name from the provider's API reference (`source`).
     */
    dialects: z
      .array(
        z
          .object({
            of: id,
            literals: z.array(z.string().regex(/^[A-Za-z][A-Za-z0-9_-]{2,}$/, 'expected a header or parameter name')).min(2, 'expected at least two literals (one name alone is too common)'),
            source: nonEmpty,
          })
          .strict(),
      )
      .default([]),
    /** Repo-relative paths of agent / MCP config files; `*` and `**` globs allowed. */
    agentConfigs: z.array(nonEmpty).default([]),
    /** Model file formats (ids from rules/model-formats.yaml) this service runs. */
    modelFormats: z.array(modelFormatRef).default([]),
  })
  .strict();

export const serviceSchema = z
  .object({
    id,
    name: nonEmpty,
    vendor: nonEmpty,
    category: id,
    status: z.enum(['active', 'deprecated', 'retired']).default('active'),
    description: z.string().optional(),
    references: z.array(z.string()).default([]),
    risk: riskTraits.default({}),
    match: matchSchema.default({}),
    /** Facts copied from the reference that were not confirmed; kept visible. */
    unverified: z.array(z.string()).default([]),
  })
  .strict();

export type ServiceRuleInput = z.input<typeof serviceSchema>;
export type ServiceRule = z.output<typeof serviceSchema>;
export type DomainRule = z.output<typeof domainRule>;
export type CredentialRule = ServiceRule['match']['credentials'][number];

/** rules/model-formats.yaml: formats recognised by magic bytes (and extensions). */
export const modelFormatSchema = z
  .object({
    id,
    name: nonEmpty,
    extensions: z.array(z.string().startsWith('.', 'expected an extension starting with .')).min(1),
    /** Byte signatures, any of which identifies the format. */
    magic: z
      .array(
        z
          .object({
            offset: z.number().int().min(0),
            hex: z.string().regex(/^([0-9a-f]{2})+$/, 'expected lower-case hex bytes'),
            /**
             * A generic container signature (gzip, xz, zlib, lz4, zip): it identifies this format
             * only together with one of the format's extensions — a compressed trace is not a model.
             */
            withExtension: z.boolean().optional(),
          })
          .strict(),
      )
      .default([]),
    /** ZIP-based formats: an entry whose name ends with one of these identifies the format. */
    zipEntries: z.array(nonEmpty).default([]),
    /** Loading executes code (pickle). */
    executesCode: z.boolean().default(false),
    /** True when no magic exists and the extension alone decides (confidence inferred). */
    extensionOnly: z.boolean().default(false),
  })
  .strict();

export const modelFormatsFileSchema = z.object({ formats: z.array(modelFormatSchema).min(1) }).strict();
export type ModelFormat = z.output<typeof modelFormatSchema>;
