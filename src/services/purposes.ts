import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { z } from 'zod';
import type { MessageKind } from '../outbox/outbox';

/**
 * The purposes Lingkod processes personal data for, as data (data/purposes.yaml, or
 * PURPOSES_FILE): each with its lawful basis, the data it uses, who receives it and how long it
 * is kept. Read and validated once at start; everything that tells or enforces privacy reads it
 * from here (GET /api/v1/purposes, consent records, the retention job, the registration pack).
 */

/** Lawful bases as the GovStack Consent BB's DataAgreement names them (RA 10173 s.12–13 has the same). */
export const LAWFUL_BASES = ['consent', 'public_task', 'legal_obligation', 'contract', 'vital_interest', 'legitimate_interest'] as const;

/** What each data field is, for the registration pack; a purpose may only name these. */
export const DATA_FIELDS = {
  phone_number: 'Mobile number (tel:+63…, tel:+880…), as the gateway or provider gave it',
  chat_id: 'Telegram chat id',
  language: 'Chosen language',
  request_answers: "Answers to a service's form (e.g. name, birth date, barangay)",
  request_status: 'Request reference, service, status and its history',
  profile_names: 'Names and relationships of people sharing the phone (family profiles)',
  subscriptions: 'Announcement topics followed, per municipality',
  survey_answers: 'Answers to satisfaction surveys',
  thread_texts: "A complaint's or question's messages: the citizen's, the officers' replies and internal notes",
  municipality: 'The municipality a complaint is about, or a subscription is for',
  consent_events: 'Consent given or withdrawn: purpose, channel, time, the text shown and its version',
  audit_log: 'Who changed what in the ministries\' records, and when (no message text, no phone number)',
  ussd_hop_trail: 'Gateway, network, source address and session of each USSD hop, and the number it acted for',
  provider_message_ids: "Providers' message ids, kept to drop provider retries",
} as const;
export type DataField = keyof typeof DATA_FIELDS;

/**
 * Who may receive a purpose's data: `ministry` (the ministry whose service or topic it is),
 * `sms`, `ussd` and `telegram` (the processors that carry the messages; the running
 * configuration says which), `privacy_officer` (the DPO, through the audit API).
 */
export const RECIPIENTS = ['ministry', 'sms', 'ussd', 'telegram', 'privacy_officer'] as const;
export type RecipientKind = (typeof RECIPIENTS)[number];

const MESSAGE_KINDS = ['reply', 'status', 'notice', 'broadcast'] as const satisfies readonly MessageKind[];

const purposeSchema = z.strictObject({
  code: z.string().regex(/^[a-z][a-z_]{1,40}$/, 'a lower-case code such as announcements'),
  name: z.string().min(3).max(200),
  lawfulBasis: z.enum(LAWFUL_BASES),
  legalReference: z.string().min(3).max(300),
  data: z.array(z.enum(Object.keys(DATA_FIELDS) as [DataField, ...DataField[]])).min(1),
  recipients: z.array(z.enum(RECIPIENTS)).min(1),
  messageKinds: z.array(z.enum(MESSAGE_KINDS)),
  /** Days a message's text and number (or this purpose's trace data) are kept; null: not purged by age. */
  retentionDays: z.number().int().min(1).max(3650).nullable(),
  recordsNote: z.string().max(500),
});

const fileSchema = z
  .strictObject({
    version: z.number().int().min(1),
    controller: z.strictObject({ name: z.string().min(3), dpoContact: z.string().min(3).max(200) }),
    purposes: z.array(purposeSchema).min(1),
  })
  .superRefine((file, ctx) => {
    const codes = file.purposes.map((purpose) => purpose.code);
    for (const code of new Set(codes)) if (codes.filter((other) => other === code).length > 1) ctx.addIssue({ code: 'custom', message: `purpose "${code}" is listed twice` });
    // Every message Lingkod sends belongs to exactly one purpose, so each has one retention period.
    for (const kind of MESSAGE_KINDS) {
      const owners = file.purposes.filter((purpose) => purpose.messageKinds.includes(kind));
      if (owners.length !== 1) ctx.addIssue({ code: 'custom', message: `message kind "${kind}" must belong to exactly one purpose (it belongs to ${owners.length})` });
      else if (owners[0].retentionDays === null) ctx.addIssue({ code: 'custom', message: `purpose "${owners[0].code}" sends messages, so it needs retentionDays` });
    }
    for (const required of ['announcements', 'requests', 'security']) {
      if (!codes.includes(required)) ctx.addIssue({ code: 'custom', message: `purpose "${required}" is required (Lingkod's own processing refers to it)` });
    }
    if (file.purposes.find((purpose) => purpose.code === 'security')?.retentionDays === null) ctx.addIssue({ code: 'custom', message: 'purpose "security" needs retentionDays' });
    if (file.purposes.find((purpose) => purpose.code === 'announcements')?.lawfulBasis !== 'consent') ctx.addIssue({ code: 'custom', message: 'announcements must rest on consent' });
  });

export type Purpose = z.output<typeof purposeSchema>;
export type PurposesFile = z.output<typeof fileSchema>;

/** The purposes file is not valid; the message says where. */
export class PurposesError extends Error {
  override readonly name = 'PurposesError';
}

/** The purposes file shipped with Lingkod. */
export const DEFAULT_PURPOSES_FILE = path.resolve(__dirname, '..', '..', ...(__dirname.includes(`${path.sep}dist${path.sep}`) ? ['..'] : []), 'data', 'purposes.yaml');

/** Parses and validates a purposes file's text; throws PurposesError naming the problem. */
export function parsePurposes(text: string, source: string): PurposesFile {
  let raw: unknown;
  try {
    raw = parse(text);
  } catch (error) {
    throw new PurposesError(`${source}: not valid YAML: ${(error as Error).message}`);
  }
  const result = fileSchema.safeParse(raw);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => `${issue.path.join('.') || '(file)'}: ${issue.message}`);
    throw new PurposesError(`${source}: ${problems.join('; ')}`);
  }
  return result.data;
}

/** Reads PURPOSES_FILE (or the shipped file). */
export function loadPurposes(file: string | undefined): PurposesFile {
  const source = file ?? DEFAULT_PURPOSES_FILE;
  let text: string;
  try {
    text = readFileSync(source, 'utf8');
  } catch (error) {
    throw new PurposesError(`${source}: cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  return parsePurposes(text, source);
}

/** The processors the running configuration actually uses, by recipient kind (channel names). */
export type Processors = Readonly<Record<'sms' | 'ussd' | 'telegram', readonly string[]>>;

/** A purpose with its recipients resolved to what this deployment sends through. */
export interface PurposeView extends Purpose {
  processors: string[];
}

/** The purposes of this deployment: what the API, consent records, retention and the pack read. */
export class PurposeRegistry {
  constructor(
    readonly file: PurposesFile,
    /** Read when asked: the composition root knows its channels only after building them. */
    private readonly processors: () => Processors,
  ) {}

  get version(): number {
    return this.file.version;
  }

  /** Whether the file has a purpose called `code` (only announcements, requests and security must be there). */
  has(code: string): boolean {
    return this.file.purposes.some((candidate) => candidate.code === code);
  }

  /** The purpose called `code`; throws for an unknown one (a programming error: codes are fixed). */
  get(code: string): Purpose {
    const purpose = this.file.purposes.find((candidate) => candidate.code === code);
    if (!purpose) throw new PurposesError(`no purpose "${code}" in the purposes file`);
    return purpose;
  }

  /** Every purpose with the processors its recipients are in this configuration. */
  list(): PurposeView[] {
    const processors = this.processors();
    return this.file.purposes.map((purpose) => ({
      ...purpose,
      processors: [...new Set(purpose.recipients.flatMap((recipient) => (recipient === 'sms' || recipient === 'ussd' || recipient === 'telegram' ? processors[recipient] : [])))],
    }));
  }

  /** Days each kind of outbox message keeps its text and number. */
  messageRetention(): Record<MessageKind, number> {
    const days = {} as Record<MessageKind, number>;
    for (const purpose of this.file.purposes) for (const kind of purpose.messageKinds) days[kind] = purpose.retentionDays ?? 0;
    return days;
  }
}
