import request from 'supertest';
import type { Database } from '../../../src/store/sql';
import { ADMIN_KEY, bearer, startApi, type ApiHarness } from '../../support/api';
import { databaseBackends } from '../../support/stores';
import { TwilioCall, VOICE_ENV } from './support';

/** A recording: a few bytes of an MP3 frame header are enough for the store and Twilio's fetch. */
const MP3 = Buffer.from('fffb9064000000000000000000000000', 'hex');
const upload = (harness: ApiHarness, key: string, path: string, body: Record<string, string> = { contentType: 'audio/mpeg', audio: MP3.toString('base64') }) =>
  request(harness.app).put(`/api/v1/voice/prompts/${path}`).set(bearer(key)).send(body);

describe.each(databaseBackends())('recorded prompts of the voice line, records on $name', (backend) => {
  let db: Database;
  let harness: ApiHarness;

  beforeAll(async () => {
    db = await backend.open();
    harness = await startApi(db, VOICE_ENV);
  });
  afterAll(async () => {
    await harness.context.close();
  });

  it('takes uploads from super-admin keys only', async () => {
    const ministry = await harness.keyFor('mssd');
    expect((await upload(harness, ministry.key, 'en/menu.title')).status).toBe(403);
    expect((await request(harness.app).put('/api/v1/voice/prompts/en/menu.title').send({})).status).toBe(401);
    expect(await db.query('SELECT 1 FROM voice_prompts')).toEqual([]);
  });

  it.each([
    ['a string that does not exist', 'en/menu.nothing_here', undefined, 404],
    ['a string with placeholders', 'en/voice:press_option', undefined, 400],
    ['a locale that is not served', 'xx/menu.title', undefined, 400],
    ['a format Twilio cannot play', 'en/menu.title', { contentType: 'text/html', audio: MP3.toString('base64') }, 400],
    ['audio that is not base64', 'en/menu.title', { contentType: 'audio/mpeg', audio: '<script>' }, 400],
    ['a recording too long for one prompt', 'en/menu.title', { contentType: 'audio/mpeg', audio: Buffer.alloc(64 * 1024 + 1).toString('base64') }, 400],
  ])('refuses %s with a clear 4xx', async (_case, path, body, status) => {
    const response = await upload(harness, ADMIN_KEY, path, body);
    expect(response.status).toBe(status);
    expect(response.body.error).toEqual(expect.any(String));
  });

  it('plays an uploaded recording where the line says that string, and serves it to Twilio by URL', async () => {
    const response = await upload(harness, ADMIN_KEY, 'fil/menu.title');
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ locale: 'fil', key: 'menu.title', text: 'Lingkod - serbisyo ng gobyerno', bytes: MP3.length });
    harness.expectDocumented('uploadVoicePrompt', response.body);
    const [audit] = await db.query<{ action: string; target: string }>("SELECT action, target FROM audit_log WHERE action = 'prompt.upload'");
    expect(audit).toEqual({ action: 'prompt.upload', target: 'fil:menu.title' });

    const call = new TwilioCall(harness.app, '+639170000401');
    await call.start();
    const menu = await call.choose('Filipino');
    const play = /<Play>([^<]+)<\/Play>/.exec(menu.xml)?.[1];
    expect(play).toMatch(new RegExp(`^${VOICE_ENV.PUBLIC_URL}/voice/prompts/fil/[0-9a-f]{64}$`));
    // The title is played, not spoken; the rest is still text-to-speech.
    expect(menu.said).not.toContain('Lingkod - serbisyo ng gobyerno');
    expect(menu.said).toContain('Pindutin ang 1 para sa Mga serbisyo.');
    const fetched = await request(harness.app).get(play!.replace(VOICE_ENV.PUBLIC_URL, '')).buffer(true).parse((res, done) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => done(null, Buffer.concat(chunks)));
    });
    expect(fetched.status).toBe(200);
    expect(fetched.headers['content-type']).toBe('audio/mpeg');
    expect(Buffer.compare(fetched.body as Buffer, MP3)).toBe(0);
    // English callers still hear the English title: a recording says one locale's text.
    const english = new TwilioCall(harness.app, '+639170000402');
    await english.start();
    expect((await english.choose('English')).said[0]).toBe('Lingkod - government services');
  });

  it('answers 404 for a recording that does not exist, or a path that is not one', async () => {
    expect((await request(harness.app).get(`/voice/prompts/en/${'a'.repeat(64)}`)).status).toBe(404);
    expect((await request(harness.app).get('/voice/prompts/en/..%2F..%2Fetc')).status).toBe(404);
  });
});
