/* istanbul ignore file */
// The body of phoneScript runs in the browser (served as its source text), so coverage
// instrumentation must never be injected into it.

/**
 * The simulator page's script, type-checked here and served from /simulator/phone.js as
 * `(phoneScript)()`. It must stay self-contained: nothing outside this function exists in the
 * browser. It only moves what the phone sends and receives; every screen comes from the server.
 */
export function phoneScript(): void {
  interface UssdScreen {
    prefix: 'CON' | 'END';
    text: string;
    encoding: 'gsm7' | 'ucs2';
    length: number;
    limit: number;
  }
  interface SmsReply {
    text: string;
    encoding: 'gsm7' | 'ucs2';
    units: number;
    segments: number;
  }
  interface ChatReply {
    text: string;
    buttons: { label: string; value: string }[];
    final: boolean;
  }
  interface VoiceAnswer {
    lines: { text: string; lang: string }[];
    /** The step the next keys answer; null when the call has ended. */
    step: number | null;
    /** One key answers (a short menu); else a number, ended by `#`. */
    oneKey: boolean;
    dial: string | null;
  }
  interface InboxMessage {
    id: number;
    body: string;
    kind: string | null;
    receivedAt: string;
    /** When it arrived, as the deployment's clock (TIME_ZONE) reads it: 13:05. */
    receivedTime: string;
    encoding: 'gsm7' | 'ucs2';
    segments: number;
  }

  const byId = <T extends HTMLElement>(id: string): T => {
    const element = document.getElementById(id);
    if (!element) throw new Error(`#${id} is missing`);
    return element as T;
  };
  const phoneField = byId<HTMLInputElement>('phone');
  const localeField = byId<HTMLSelectElement>('locale');
  const settingsStatus = byId('settings-status');
  const ussdText = byId('ussd-text');
  const ussdNetwork = byId('ussd-network');
  const ussdInput = byId<HTMLInputElement>('ussd-input');
  const ussdLabel = byId('ussd-label');
  const ussdSend = byId<HTMLButtonElement>('ussd-send');
  const smsThread = byId('sms-thread');
  const chatThread = byId('chat-thread');
  const chatButtons = byId('chat-buttons');
  const inboxList = byId('inbox-list');
  const inboxEmpty = byId('inbox-empty');
  const inboxAnnounce = byId('inbox-announce');
  const inboxLink = byId('inbox-link');
  const STORAGE_KEY = 'lingkod-simulator-phone';
  const encodingName = (encoding: string) => (encoding === 'gsm7' ? 'GSM-7' : 'UCS-2');

  let phone = localStorage.getItem(STORAGE_KEY) ?? phoneField.value;
  phoneField.value = phone;
  let inboxAfter = 0;
  const ussd = { session: '', hop: 0, open: false, code: ussdInput.value };

  /** Posts JSON (the phone number travels in bodies, never in URLs); throws the server's reason. */
  async function post<T>(path: string, body: Record<string, unknown>): Promise<T> {
    const response = await fetch(path, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ phone, ...body }) });
    const data = (await response.json().catch(() => ({}))) as T & { error?: string };
    if (!response.ok) throw new Error(data.error ?? `The server answered ${response.status}`);
    return data;
  }

  /** A random session id; crypto.randomUUID needs a secure context, getRandomValues does not. */
  function newSessionId(): string {
    return Array.from(crypto.getRandomValues(new Uint8Array(12)), (byte) => byte.toString(16).padStart(2, '0')).join('');
  }

  function bubble(list: HTMLElement, direction: 'in' | 'out', text: string, meta?: string, kind?: string): HTMLLIElement {
    const item = document.createElement('li');
    item.className = `bubble ${direction}`;
    if (kind) {
      const label = document.createElement('span');
      label.className = 'kind';
      label.textContent = `${kind}: `;
      item.append(label);
    }
    item.append(document.createTextNode(text));
    if (meta) {
      const small = document.createElement('span');
      small.className = 'meta';
      small.textContent = meta;
      item.append(small);
    }
    list.append(item);
    list.scrollTop = list.scrollHeight;
    return item;
  }

  // Tabs (WAI-ARIA pattern: arrow keys move between tabs, Tab goes into the panel).
  const tabs = Array.from(document.querySelectorAll<HTMLButtonElement>('[role="tab"]'));
  function selectTab(tab: HTMLButtonElement, focus: boolean): void {
    for (const other of tabs) {
      const selected = other === tab;
      other.setAttribute('aria-selected', String(selected));
      other.tabIndex = selected ? 0 : -1;
      byId(other.getAttribute('aria-controls') ?? '').hidden = !selected;
    }
    if (focus) tab.focus();
  }
  tabs.forEach((tab, index) => {
    tab.addEventListener('click', () => selectTab(tab, false));
    tab.addEventListener('keydown', (event) => {
      const step = event.key === 'ArrowRight' ? 1 : event.key === 'ArrowLeft' ? -1 : 0;
      if (step === 0) return;
      event.preventDefault();
      selectTab(tabs[(index + step + tabs.length) % tabs.length], true);
    });
  });

  // USSD: dial a code, then answer each CON screen until an END.
  function showUssd(screen: UssdScreen): void {
    ussdText.textContent = screen.text;
    ussdNetwork.classList.remove('error');
    ussdNetwork.textContent = `${screen.prefix} · ${screen.length} of ${screen.limit} ${encodingName(screen.encoding)} characters`;
    ussd.open = screen.prefix === 'CON';
    setUssdMode();
  }
  function setUssdMode(): void {
    ussdLabel.textContent = ussd.open ? 'Reply' : 'Number to dial';
    ussdSend.textContent = ussd.open ? 'Send' : 'Call';
    ussdInput.value = ussd.open ? '' : ussd.code;
  }
  function ussdError(message: string): void {
    ussdNetwork.classList.add('error');
    ussdNetwork.textContent = message;
  }
  byId('ussd-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    const typed = ussdInput.value.trim();
    try {
      if (!ussd.open) {
        if (!/^\*[0-9*]*#$/.test(typed)) {
          ussdError('Dial a USSD code, such as *347#.');
          return;
        }
        ussd.code = typed;
        ussd.session = newSessionId();
        ussd.hop = 0;
        ussdText.textContent = `Dialling ${typed}…`;
        showUssd(await post<UssdScreen>('/simulator/ussd', { session: ussd.session, hop: 0, input: '' }));
      } else {
        ussd.hop += 1;
        showUssd(await post<UssdScreen>('/simulator/ussd', { session: ussd.session, hop: ussd.hop, input: typed }));
      }
    } catch (error) {
      ussdError((error as Error).message);
    }
    ussdInput.focus();
  });
  byId('ussd-end').addEventListener('click', () => {
    ussd.open = false;
    ussdText.textContent = 'Call ended.';
    ussdNetwork.textContent = 'No session.';
    setUssdMode();
  });
  for (const key of Array.from(document.querySelectorAll<HTMLButtonElement>('[data-key]'))) {
    key.addEventListener('click', () => {
      const start = ussdInput.selectionStart ?? ussdInput.value.length;
      const end = ussdInput.selectionEnd ?? start;
      ussdInput.value = ussdInput.value.slice(0, start) + (key.dataset.key ?? '') + ussdInput.value.slice(end);
      ussdInput.focus();
      ussdInput.setSelectionRange(start + 1, start + 1);
    });
  }

  // SMS: each text gets one reply, shown with what it costs on the network.
  byId('sms-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    const input = byId<HTMLTextAreaElement>('sms-input');
    const text = input.value.trim();
    if (!text) return;
    input.value = '';
    bubble(smsThread, 'out', text);
    try {
      const { replies } = await post<{ replies: SmsReply[] }>('/simulator/sms', { text });
      for (const reply of replies) {
        bubble(smsThread, 'in', reply.text, `${reply.segments} SMS · ${encodingName(reply.encoding)} · ${reply.units} characters`);
      }
    } catch (error) {
      bubble(smsThread, 'in', (error as Error).message, 'Not sent');
    }
  });

  // Chat: messages and buttons, as on Telegram.
  async function chat(text: string, shown: string): Promise<void> {
    bubble(chatThread, 'out', shown);
    chatButtons.replaceChildren();
    try {
      const reply = await post<ChatReply>('/simulator/chat', { text });
      bubble(chatThread, 'in', reply.text);
      for (const button of reply.buttons) {
        const element = document.createElement('button');
        element.type = 'button';
        element.textContent = button.label;
        element.dataset.send = button.value;
        chatButtons.append(element);
      }
    } catch (error) {
      bubble(chatThread, 'in', (error as Error).message, 'Not sent');
    }
  }
  chatButtons.addEventListener('click', (event) => {
    const button = (event.target as HTMLElement).closest<HTMLButtonElement>('button[data-send]');
    if (button) void chat(button.dataset.send ?? '', button.textContent ?? '');
  });
  byId('chat-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const input = byId<HTMLInputElement>('chat-input');
    const text = input.value.trim();
    input.value = '';
    if (text) void chat(text, text);
  });

  // Voice: a call to the voice line, each prompt shown and (when asked) spoken by the browser's
  // speech synthesis in the prompt's language; the keypad answers as a phone's would.
  const voiceText = byId('voice-text');
  const voiceStatus = byId('voice-status');
  const voiceTyped = byId('voice-typed');
  const voiceSpeak = byId<HTMLInputElement>('voice-speak');
  const call = { id: '', step: null as number | null, oneKey: false, keys: '' };
  function speak(lines: VoiceAnswer['lines']): void {
    if (!('speechSynthesis' in window)) return;
    window.speechSynthesis.cancel();
    if (!voiceSpeak.checked) return;
    for (const line of lines) {
      const utterance = new SpeechSynthesisUtterance(line.text);
      utterance.lang = line.lang;
      window.speechSynthesis.speak(utterance);
    }
  }
  async function voiceStep(digits?: string): Promise<void> {
    call.keys = '';
    voiceTyped.textContent = '';
    try {
      const answer = await post<VoiceAnswer>('/simulator/voice', { call: call.id, step: call.step ?? 0, ...(digits === undefined ? {} : { digits }) });
      voiceText.textContent = answer.lines.map((line) => line.text).join('\n');
      voiceStatus.classList.remove('error');
      call.step = answer.step;
      call.oneKey = answer.oneKey;
      voiceStatus.textContent = answer.dial ? `Connecting to ${answer.dial}.` : answer.step === null ? 'The call has ended.' : call.oneKey ? 'Press a key.' : 'Press the keys, then #.';
      speak(answer.lines);
    } catch (error) {
      voiceStatus.classList.add('error');
      voiceStatus.textContent = (error as Error).message;
    }
  }
  byId('voice-call').addEventListener('click', () => {
    call.id = newSessionId();
    call.step = 0;
    voiceText.textContent = 'Calling…';
    void voiceStep();
  });
  byId('voice-wait').addEventListener('click', () => {
    if (call.step !== null && call.id) void voiceStep('');
  });
  byId('voice-end').addEventListener('click', () => {
    call.step = null;
    if ('speechSynthesis' in window) window.speechSynthesis.cancel();
    voiceStatus.textContent = 'No call.';
    voiceText.textContent = 'Call ended.';
  });
  for (const key of Array.from(document.querySelectorAll<HTMLButtonElement>('[data-voice-key]'))) {
    key.addEventListener('click', () => {
      if (call.step === null || !call.id) return;
      const pressed = key.dataset.voiceKey ?? '';
      // As Twilio's gather: one key ends a short menu's answer, `#` ends a number, `*` is sent at once.
      if (pressed === '#' || pressed === '*' || (call.oneKey && call.keys === '')) {
        void voiceStep(pressed === '#' ? call.keys : pressed === '*' ? '*' : call.keys + pressed);
        return;
      }
      call.keys += pressed;
      voiceTyped.textContent = `Pressed: ${call.keys}`;
    });
  }

  // The inbox: polled while the page is visible. It is below the phone, so a message that
  // arrives after the page opened is announced (a status region a screen reader reads out) and
  // counted on the Inbox link at the top until the inbox is looked at.
  let inboxLoaded = false;
  let unseen = 0;
  const inboxSection = inboxList.closest('section') ?? inboxList;
  const inboxInView = () => {
    const box = inboxSection.getBoundingClientRect();
    return box.top < window.innerHeight && box.bottom > 0;
  };
  function announce(fresh: InboxMessage[]): void {
    if (!inboxInView()) {
      unseen += fresh.length;
      inboxLink.textContent = `Inbox (${unseen} new)`;
    }
    const latest = fresh[fresh.length - 1];
    const what = `${kinds[latest.kind ?? ''] ?? 'Message'}: ${latest.body}`;
    inboxAnnounce.textContent = fresh.length === 1 ? `New message in the inbox. ${what}` : `${fresh.length} new messages in the inbox. The latest: ${what}`;
  }
  function inboxSeen(): void {
    unseen = 0;
    inboxLink.textContent = 'Inbox';
  }
  inboxLink.addEventListener('click', inboxSeen);
  new IntersectionObserver((entries) => {
    if (entries.some((entry) => entry.isIntersecting) && document.visibilityState === 'visible') inboxSeen();
  }).observe(inboxSection);
  const kinds: Record<string, string> = { status: 'Status update', broadcast: 'Announcement', notice: 'Notice', reply: 'Reply' };
  async function pollInbox(): Promise<void> {
    if (document.visibilityState !== 'visible') return;
    const asked = phone;
    try {
      const { messages } = await post<{ messages: InboxMessage[] }>('/simulator/inbox', { after: inboxAfter });
      if (asked !== phone) return;
      if (inboxLoaded && messages.length > 0) announce(messages);
      inboxLoaded = true;
      for (const message of messages) {
        bubble(inboxList, 'in', message.body, `${message.receivedTime} · ${message.segments} SMS · ${encodingName(message.encoding)}`, kinds[message.kind ?? ''] ?? 'Message');
        inboxAfter = Math.max(inboxAfter, message.id);
      }
      inboxEmpty.hidden = inboxList.childElementCount > 0;
    } catch {
      // A poll that fails is tried again at the next tick.
    }
  }
  setInterval(() => void pollInbox(), 2000);
  void pollInbox();

  // Settings: which phone this is, and its language.
  byId('settings').addEventListener('submit', async (event) => {
    event.preventDefault();
    settingsStatus.classList.remove('error');
    const previous = phone;
    phone = phoneField.value.trim();
    try {
      const chosen = await post<{ number: string }>('/simulator/phone', localeField.value ? { locale: localeField.value } : {});
      phone = chosen.number;
      phoneField.value = phone;
      localStorage.setItem(STORAGE_KEY, phone);
      settingsStatus.textContent = `Using ${phone}${localeField.value ? ` in ${localeField.selectedOptions[0].textContent ?? ''}` : ''}.`;
      if (previous !== phone) {
        inboxAfter = 0;
        inboxLoaded = false;
        inboxSeen();
        inboxList.replaceChildren();
        smsThread.replaceChildren();
        chatThread.replaceChildren();
        ussd.open = false;
        setUssdMode();
      }
      void pollInbox();
    } catch (error) {
      phone = previous;
      settingsStatus.classList.add('error');
      settingsStatus.textContent = (error as Error).message;
    }
  });
}
