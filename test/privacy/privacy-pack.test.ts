import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runPrivacyPack, type Output } from '../../src/cli/admin';
import { loadConfig } from '../../src/config';
import { DEFAULT_PURPOSES_FILE } from '../../src/services/purposes';

/** The registration pack (`npm run admin -- privacy-pack`) is generated from the configuration: change it, and the pack says so. */
const NOW = new Date('2026-12-04T09:00:00Z');

function pack(env: Record<string, string>) {
  const out = mkdtempSync(path.join(tmpdir(), 'pack-'));
  const lines: string[] = [];
  const output: Output = { out: (text) => lines.push(text), err: (text) => lines.push(text) };
  const code = runPrivacyPack(loadConfig({ USSD_TOKEN: 'ussd-T3st-gW7kQ2xZ9mR4vB8nL5cY1pF6hJ0', ...env }), out, output, NOW);
  return { code, lines, json: JSON.parse(readFileSync(path.join(out, 'privacy-pack.json'), 'utf8')), markdown: readFileSync(path.join(out, 'privacy-pack.md'), 'utf8') };
}

describe('the registration pack', () => {
  it('lists purposes, data fields, retention, processors, storage, security measures and automated decisions', () => {
    const { code, json, markdown } = pack({});
    expect(code).toBe(0);
    expect(json.purposes.map((purpose: { code: string }) => purpose.code)).toEqual(['requests', 'announcements', 'surveys', 'complaints', 'consent_evidence', 'security']);
    expect(json.controller.dpoContact).toBe('dpo@bangsamoro.gov.ph');
    expect(json.storage.records).toBe('embedded PostgreSQL (PGlite) in ./data on the Lingkod server');
    expect(json.retention).toContainEqual({ copy: "outbox messages of kind broadcast: text and recipient's number", days: 7 });
    expect(json.automatedDecisions.map((decision: { decision: string }) => decision.decision)).toContain('Deemed approval of a request');
    expect(json.dataFields.map((field: { field: string }) => field.field)).toContain('request_answers');
    expect(markdown).toContain('| Handling a citizen\'s request for a government service (`requests`) | public_task |');
    expect(markdown).toContain('Data Protection Officer: dpo@bangsamoro.gov.ph');
  });

  it('changes with the configuration: providers, database, retention ceiling and the purposes file', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'pack-purposes-'));
    const file = path.join(dir, 'purposes.yaml');
    writeFileSync(file, readFileSync(DEFAULT_PURPOSES_FILE, 'utf8').replace('dpoContact: dpo@bangsamoro.gov.ph', 'dpoContact: privacy@moh.bangsamoro.gov.ph'));
    const before = pack({});
    const after = pack({
      PURPOSES_FILE: file,
      RETENTION_DAYS: '3',
      SEMAPHORE_API_KEY: 'semaphore-key-123456',
      SEMAPHORE_SENDER: 'LINGKOD',
      DATABASE_URL: 'postgres://lingkod:secret-password@db.internal:5432/lingkod',
    });
    const announcements = (json: { purposes: { code: string; processors: string[] }[] }) => json.purposes.find((purpose) => purpose.code === 'announcements');
    expect(announcements(before.json)?.processors).toEqual([]);
    expect(announcements(after.json)?.processors).toEqual(['semaphore']);
    expect(after.json.storage.records).toBe('PostgreSQL at postgres://db.internal:5432/lingkod');
    expect(after.markdown).not.toContain('secret-password');
    expect(after.json.retention).toContainEqual({ copy: "outbox messages of kind broadcast: text and recipient's number", days: 3 });
    expect(after.json.controller.dpoContact).toBe('privacy@moh.bangsamoro.gov.ph');
    expect(after.markdown).toContain('| semaphore |');
  });

  it('refuses a purposes file that is not valid, writing nothing', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'pack-bad-'));
    const file = path.join(dir, 'purposes.yaml');
    writeFileSync(file, 'version: 1\npurposes: []\n');
    const lines: string[] = [];
    const code = runPrivacyPack(loadConfig({ PURPOSES_FILE: file }), dir, { out: (text) => lines.push(text), err: (text) => lines.push(text) }, NOW);
    expect(code).toBe(1);
    expect(lines.join('')).toContain(`${file}: controller`);
    expect(existsSync(path.join(dir, 'privacy-pack.json'))).toBe(false);
  });
});
