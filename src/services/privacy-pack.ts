import type { Config } from '../config';
import { DATA_FIELDS, type DataField, type PurposeRegistry } from './purposes';
import { retentionFrom } from './retention';

/**
 * The registration pack: what the NPC's registration of a data processing system (Circular
 * 2022-04) and a privacy impact assessment (Circular 2023-06) ask about this deployment,
 * generated from the running configuration and the purposes file, never written by hand, so it
 * cannot drift from what Lingkod does. `npm run admin -- privacy-pack` writes it as JSON and
 * Markdown.
 */
export interface PrivacyPack {
  generatedAt: string;
  controller: { name: string; dpoContact: string };
  purposesVersion: number;
  purposes: { code: string; name: string; lawfulBasis: string; legalReference: string; data: string[]; recipients: string[]; processors: string[]; retention: string }[];
  dataFields: { field: string; description: string; purposes: string[] }[];
  retention: { copy: string; days: number }[];
  storage: { records: string; ephemeral: string };
  securityMeasures: string[];
  automatedDecisions: { decision: string; rule: string }[];
}

/** Where a URL points, without its credentials or query. */
function hostOf(url: string): string {
  const parsed = new URL(url);
  return `${parsed.protocol}//${parsed.hostname}${parsed.port ? `:${parsed.port}` : ''}${parsed.pathname === '/' ? '' : parsed.pathname}`;
}

export function privacyPack(config: Config, purposes: PurposeRegistry, now: Date): PrivacyPack {
  const retention = retentionFrom(purposes, config.RETENTION_DAYS);
  const list = purposes.list();
  const used = [...new Set(list.flatMap((purpose) => purpose.data))] as DataField[];
  return {
    generatedAt: now.toISOString(),
    controller: purposes.file.controller,
    purposesVersion: purposes.version,
    purposes: list.map((purpose) => ({
      code: purpose.code,
      name: purpose.name,
      lawfulBasis: purpose.lawfulBasis,
      legalReference: purpose.legalReference,
      data: purpose.data,
      recipients: purpose.recipients,
      processors: purpose.processors,
      retention:
        purpose.retentionDays === null
          ? `not purged by age: ${purpose.recordsNote}`
          : `${Math.min(purpose.retentionDays, config.RETENTION_DAYS)} days${purpose.messageKinds.length > 0 ? ` for the text and number of its messages (${purpose.messageKinds.join(', ')})` : ''}. ${purpose.recordsNote}`,
    })),
    dataFields: used.map((field) => ({ field, description: DATA_FIELDS[field], purposes: list.filter((purpose) => purpose.data.includes(field)).map((purpose) => purpose.code) })),
    retention: [
      ...Object.entries(retention.messages).map(([kind, days]) => ({ copy: `outbox messages of kind ${kind}: text and recipient's number`, days })),
      { copy: 'USSD hop trail, providers\' message ids, simulated texts', days: retention.traces },
    ],
    storage: {
      records: config.DATABASE_URL ? `PostgreSQL at ${hostOf(config.DATABASE_URL)}` : `embedded PostgreSQL (PGlite) in ${config.DATA_DIR} on the Lingkod server`,
      ephemeral: config.REDIS_URL ? `Redis at ${hostOf(config.REDIS_URL)} (sessions and counters, each with an expiry)` : 'memory of the Lingkod process (sessions and counters, gone on restart)',
    },
    securityMeasures: [
      config.PUBLIC_URL?.startsWith('https://') ? `HTTPS at ${config.PUBLIC_URL}` : 'PUBLIC_URL is not https: put Lingkod behind a TLS-terminating proxy before going live',
      'API keys stored as hashes, each with a role; a super-admin, ministry admin, officer, privacy officer or service-centre scope',
      'Every change to ministries\' records in the audit log, in the same transaction, without message text or phone numbers',
      'Consent records append-only in the database (a trigger refuses UPDATE, DELETE and TRUNCATE)',
      `Broadcasts above ${config.BROADCAST_APPROVAL_THRESHOLD} recipients need a second person's approval`,
      `Console sessions end after ${config.CONSOLE_SESSION_IDLE_MINUTES} idle minutes`,
      `USSD gateways authenticated by ${config.USSD_TOKEN ? 'token' : 'no token'}${config.USSD_ALLOWED_IPS ? ' and source address' : ''}`,
      `Replies limited to ${config.SMS_REPLIES_PER_MINUTE} per number per minute (SMS pumping)`,
      'Erasing over USSD needs a one-time code texted to the phone',
      `Retention enforced hourly: nothing kept past RETENTION_DAYS (${config.RETENTION_DAYS})`,
    ],
    automatedDecisions: [
      { decision: 'A message not sent in time is given up', rule: `after ${config.OUTBOX_GIVE_UP_HOURS} hours queued (OUTBOX_GIVE_UP_HOURS)` },
      { decision: 'A request filed at a centre and not confirmed is declined', rule: `after ${config.ASSISTED_EXPIRY_HOURS} hours (ASSISTED_EXPIRY_HOURS)` },
      { decision: 'A number the carrier reports unsubscribed is opted out', rule: `at most ${config.CARRIER_OPT_OUTS_PER_HOUR} an hour (CARRIER_OPT_OUTS_PER_HOUR)` },
      { decision: 'Status lookups by reference pause for a number', rule: `after ${config.STATUS_LOOKUP_MISSES_PER_HOUR} misses an hour (STATUS_LOOKUP_MISSES_PER_HOUR)` },
      { decision: 'Deemed approval of a request', rule: 'none: no request is approved without an officer' },
    ],
  };
}

/** The pack as Markdown, for the NPC registration and the PIA. */
export function packMarkdown(pack: PrivacyPack): string {
  const table = (head: string[], rows: string[][]) => [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...rows.map((row) => `| ${row.map((cell) => cell.replace(/\|/g, '\\|')).join(' | ')} |`)].join('\n');
  return `# Lingkod: data processing system registration pack

Generated ${pack.generatedAt} from the running configuration (purposes version ${pack.purposesVersion}).

Personal information controller: ${pack.controller.name}. Data Protection Officer: ${pack.controller.dpoContact}.

## Purposes

${table(['Purpose', 'Lawful basis', 'Reference', 'Data', 'Recipients', 'Processors', 'Retention'], pack.purposes.map((p) => [`${p.name} (\`${p.code}\`)`, p.lawfulBasis, p.legalReference, p.data.join(', '), p.recipients.join(', '), p.processors.join(', ') || '-', p.retention]))}

## Data fields

${table(['Field', 'What it is', 'Purposes'], pack.dataFields.map((f) => [`\`${f.field}\``, f.description, f.purposes.join(', ')]))}

## Retention

${table(['Copy', 'Days'], pack.retention.map((r) => [r.copy, String(r.days)]))}

## Where the data lives

- Records: ${pack.storage.records}
- Sessions and counters: ${pack.storage.ephemeral}

## Security measures

${pack.securityMeasures.map((measure) => `- ${measure}`).join('\n')}

## Automated decisions

${table(['Decision', 'Rule'], pack.automatedDecisions.map((d) => [d.decision, d.rule]))}
`;
}
