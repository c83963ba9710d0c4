import { document, html } from '../../http/html';
import { languageNames } from '../../i18n';
import type { PageLimits } from '../../text/pages';

/** What the page shows besides the phone: the network's limits and the languages on offer. */
export interface SimulatorPageOptions {
  ussdLimits: PageLimits;
  locales: readonly string[];
}

/** Each language's own name, as the language dialog shows it. */
const LANGUAGE_NAMES: Record<string, string> = Object.fromEntries(languageNames().map(({ code, name }) => [code, name]));

/** An example code for the dial box; any code of the form `*digits#` reaches Lingkod here. */
const EXAMPLE_CODE = '*347#';

const keypad = ['1', '2', '3', '4', '5', '6', '7', '8', '9', '*', '0', '#'];
const keyNames: Record<string, string> = { '*': 'star', '#': 'hash' };

/**
 * The simulator page: a phone with four modes (USSD, SMS, chat, a voice call) as tabs, its settings (phone
 * number, language), and its inbox; links to the front page and the console. At 360 px
 * everything stacks in one column, the phone first, its Call key above the keypad (as on a
 * feature phone) within the first 640 px. A new inbox message is announced (a status region)
 * and counted on the Inbox link, since the inbox is below the phone.
 */
export function simulatorPage(options: SimulatorPageOptions): string {
  const body = html`<header class="top">
  <h1>Lingkod phone simulator</h1>
  <nav aria-label="Lingkod"><ul>
    <li><a href="/">Home</a></li>
    <li><a href="/console">Ministries' console</a></li>
    <li><a href="#inbox-title" id="inbox-link">Inbox</a></li>
    <li><a href="#settings">This phone</a></li>
  </ul></nav>
</header>
<main>
  <section class="phone" aria-labelledby="phone-title">
    <h2 id="phone-title" class="visually-hidden">Phone</h2>
    <div class="modes" role="tablist" aria-label="How to reach Lingkod">
      <button type="button" role="tab" id="tab-ussd" aria-controls="panel-ussd" aria-selected="true">USSD</button>
      <button type="button" role="tab" id="tab-sms" aria-controls="panel-sms" aria-selected="false" tabindex="-1">SMS</button>
      <button type="button" role="tab" id="tab-chat" aria-controls="panel-chat" aria-selected="false" tabindex="-1">Chat</button>
      <button type="button" role="tab" id="tab-voice" aria-controls="panel-voice" aria-selected="false" tabindex="-1">Voice</button>
    </div>

    <div id="panel-ussd" role="tabpanel" aria-labelledby="tab-ussd" class="panel">
      <div class="screen" id="ussd-screen" role="region" aria-label="Phone screen" aria-live="polite" tabindex="0"><pre id="ussd-text">Dial ${EXAMPLE_CODE} to reach Lingkod.</pre></div>
      <p class="network" id="ussd-network">No session.</p>
      <form id="ussd-form" class="keypad-form">
        <label for="ussd-input" id="ussd-label">Number to dial</label>
        <input id="ussd-input" name="input" autocomplete="off" inputmode="tel" maxlength="182" value="${EXAMPLE_CODE}">
        <div class="calls">
          <button type="submit" class="call" id="ussd-send">Call</button>
          <button type="button" class="end" id="ussd-end">End</button>
        </div>
        <div class="keypad">
          ${keypad.map((key) => html`<button type="button" class="key" data-key="${key}"${keyNames[key] ? html` aria-label="${keyNames[key]}"` : ''}>${key}</button>`)}
        </div>
      </form>
    </div>

    <div id="panel-sms" role="tabpanel" aria-labelledby="tab-sms" class="panel" hidden>
      <ol class="thread" id="sms-thread" aria-label="Text messages" aria-live="polite" tabindex="0"></ol>
      <form id="sms-form" class="compose">
        <label for="sms-input">Text message</label>
        <textarea id="sms-input" name="text" rows="2" maxlength="1600" placeholder="MENU, HELP, STATUS 1234-5678-901…"></textarea>
        <button type="submit">Send</button>
      </form>
    </div>

    <div id="panel-chat" role="tabpanel" aria-labelledby="tab-chat" class="panel" hidden>
      <ol class="thread" id="chat-thread" aria-label="Chat" aria-live="polite" tabindex="0"></ol>
      <div class="chat-buttons" id="chat-buttons" role="group" aria-label="Buttons"><button type="button" data-send="/start">Start</button></div>
      <form id="chat-form" class="compose">
        <label for="chat-input">Message</label>
        <input id="chat-input" name="text" autocomplete="off" maxlength="1600" placeholder="/menu, /status, or an answer">
        <button type="submit">Send</button>
      </form>
    </div>

    <div id="panel-voice" role="tabpanel" aria-labelledby="tab-voice" class="panel" hidden>
      <div class="screen" id="voice-screen" role="region" aria-label="What the call says" aria-live="polite" tabindex="0"><pre id="voice-text">Call the voice line to hear Lingkod.</pre></div>
      <p class="network" id="voice-status">No call.</p>
      <div class="keypad-form">
        <label class="speak"><input type="checkbox" id="voice-speak" checked> Speak the prompts aloud</label>
        <p class="hint" id="voice-typed" aria-live="polite"></p>
        <div class="calls">
          <button type="button" class="call" id="voice-call">Call</button>
          <button type="button" id="voice-wait">Stay silent</button>
          <button type="button" class="end" id="voice-end">Hang up</button>
        </div>
        <div class="keypad" role="group" aria-label="Keypad">
          ${keypad.map((key) => html`<button type="button" class="key" data-voice-key="${key}"${keyNames[key] ? html` aria-label="${keyNames[key]}"` : ''}>${key}</button>`)}
        </div>
      </div>
    </div>
  </section>

  <form id="settings" class="card settings">
    <h2>This phone</h2>
    <p class="about hint">A feature phone on the Lingkod network: dial a USSD code, send a text, or chat. Replies are exactly what a phone would get: a USSD screen holds ${options.ussdLimits.gsm7} characters (${options.ussdLimits.ucs2} when it needs UCS-2).</p>
    <div class="field">
      <label for="phone">Phone number</label>
      <input id="phone" name="phone" type="tel" inputmode="tel" autocomplete="off" value="+639171234567" required>
    </div>
    <div class="field">
      <label for="locale">Language</label>
      <select id="locale" name="locale">
        <option value="">Chosen on the phone</option>
        ${options.locales.map((locale) => html`<option value="${locale}">${LANGUAGE_NAMES[locale] ?? locale}</option>`)}
      </select>
    </div>
    <button type="submit">Use this phone</button>
    <p id="settings-status" class="status" role="status"></p>
  </form>

  <section class="card inbox" aria-labelledby="inbox-title">
    <h2 id="inbox-title">Inbox</h2>
    <p class="hint">Status updates and announcements sent to this phone arrive here.</p>
    <ol id="inbox-list" class="thread"></ol>
    <p id="inbox-empty" class="hint">No messages yet.</p>
  </section>
  <p id="inbox-announce" class="visually-hidden" role="status" aria-live="polite" aria-atomic="true"></p>
</main>`;
  return document({
    title: 'Lingkod phone simulator',
    styles: ['/simulator/phone.css'],
    scripts: ['/simulator/phone.js'],
    icon: '/simulator/icon.svg',
    body,
  });
}
