import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One call the bot made, as the fake Bot API received it. */
export interface ApiCall {
  method: string;
  token: string;
  payload: Record<string, unknown>;
}

/** A Bot API error answer (https://core.telegram.org/bots/api#making-requests). */
export interface ApiFailure {
  error_code: number;
  description: string;
  parameters?: { retry_after?: number; migrate_to_chat_id?: number };
}

/** A message as the chat shows it: edits change it in place. */
export interface ChatMessage {
  message_id: number;
  chat_id: number;
  text: string;
  reply_markup?: {
    inline_keyboard?: { text: string; callback_data?: string }[][];
    keyboard?: { text: string; request_contact?: boolean }[][];
    remove_keyboard?: boolean;
  };
}

type Behaviour = { kind: 'fail'; failure: ApiFailure } | { kind: 'hold'; released: Promise<void> } | { kind: 'drop' };

export const FAKE_BOT = {
  id: 7000000001,
  is_bot: true as const,
  first_name: 'Lingkod',
  username: 'LingkodTestBot',
  can_join_groups: false,
  can_read_all_group_messages: false,
  supports_inline_queries: false,
  can_connect_to_business: false,
  has_main_web_app: false,
  has_topics_enabled: false,
  allows_users_to_create_topics: false,
  can_manage_bots: false,
};

/**
 * A Bot API server on loopback, enough of one for Lingkod: requests arrive as
 * `POST /bot<token>/<method>` with a JSON body, as grammY sends them. It keeps every call,
 * shows each chat's messages (with edits applied), can fail or hold the next call of a method,
 * and serves getUpdates from a queue for long polling.
 */
export class FakeBotApi {
  readonly calls: ApiCall[] = [];
  readonly messages: ChatMessage[] = [];
  private readonly behaviours = new Map<string, Behaviour[]>();
  private readonly updates: Record<string, unknown>[] = [];
  private updateWaiters: (() => void)[] = [];
  private nextMessageId = 1000;

  private constructor(
    private readonly server: Server,
    readonly token: string,
  ) {}

  static async start(token: string): Promise<FakeBotApi> {
    let fake: FakeBotApi | undefined;
    const server = createServer((req, res) => void fake!.handle(req, res));
    fake = new FakeBotApi(server, token);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return fake;
  }

  /** The root to give grammY (`client.apiRoot`) or TELEGRAM_API_ROOT. */
  get root(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** The next call of `method` fails with this answer. */
  failNext(method: string, failure: ApiFailure): void {
    this.queue(method, { kind: 'fail', failure });
  }

  /** The next call of `method` gets no answer: the connection is cut, as a network failure does. */
  dropNext(method: string): void {
    this.queue(method, { kind: 'drop' });
  }

  /** The next call of `method` waits until `release()` is called; then it succeeds. */
  holdNext(method: string): { release(): void } {
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    this.queue(method, { kind: 'hold', released });
    return { release };
  }

  /** Queues an update for getUpdates (long polling). */
  pushUpdate(update: Record<string, unknown>): void {
    this.updates.push(update);
    for (const wake of this.updateWaiters.splice(0)) wake();
  }

  callsOf(method: string): ApiCall[] {
    return this.calls.filter((call) => call.method === method);
  }

  /** The chat's messages, oldest first. */
  chat(chatId: number): ChatMessage[] {
    return this.messages.filter((message) => message.chat_id === chatId);
  }

  async close(): Promise<void> {
    for (const wake of this.updateWaiters.splice(0)) wake();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private queue(method: string, behaviour: Behaviour): void {
    this.behaviours.set(method, [...(this.behaviours.get(method) ?? []), behaviour]);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const match = /^\/bot([^/]+)\/(\w+)$/.exec(req.url ?? '');
    const answer = (status: number, body: unknown) => {
      if (res.destroyed) return;
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    };
    if (req.method !== 'POST' || !match) return answer(404, { ok: false, error_code: 404, description: 'Not Found' });
    const [, token, method] = match;
    const raw = Buffer.concat(chunks).toString('utf8');
    const payload = (raw ? JSON.parse(raw) : {}) as Record<string, unknown>;
    this.calls.push({ method, token, payload });
    if (token !== this.token) return answer(401, { ok: false, error_code: 401, description: 'Unauthorized' });

    const behaviour = this.behaviours.get(method)?.shift();
    if (behaviour?.kind === 'fail') return answer(behaviour.failure.error_code, { ok: false, ...behaviour.failure });
    if (behaviour?.kind === 'drop') return void req.socket.destroy();
    if (behaviour?.kind === 'hold') await behaviour.released;
    answer(200, { ok: true, result: await this.result(method, payload) });
  }

  private async result(method: string, payload: Record<string, unknown>): Promise<unknown> {
    switch (method) {
      case 'getMe':
        return FAKE_BOT;
      case 'sendMessage': {
        const message: ChatMessage = {
          message_id: this.nextMessageId++,
          chat_id: Number(payload.chat_id),
          text: String(payload.text),
          reply_markup: payload.reply_markup as ChatMessage['reply_markup'],
        };
        this.messages.push(message);
        return { message_id: message.message_id, date: 1764316800, chat: { id: message.chat_id, type: 'private' }, text: message.text };
      }
      case 'editMessageText': {
        const message = this.messages.find((candidate) => candidate.chat_id === Number(payload.chat_id) && candidate.message_id === Number(payload.message_id));
        if (!message) return true;
        message.text = String(payload.text);
        message.reply_markup = payload.reply_markup as ChatMessage['reply_markup'];
        return { message_id: message.message_id, date: 1764316800, edit_date: 1764316801, chat: { id: message.chat_id, type: 'private' }, text: message.text };
      }
      case 'getUpdates': {
        const offset = Number(payload.offset ?? 0);
        const due = () => this.updates.filter((update) => Number(update.update_id) >= offset);
        if (due().length === 0) {
          // Long polling: wait for an update, or the poll's own time-out.
          await new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, Number(payload.timeout ?? 0) * 1000);
            this.updateWaiters.push(() => {
              clearTimeout(timer);
              resolve();
            });
          });
        }
        return due();
      }
      default:
        return true;
    }
  }
}
