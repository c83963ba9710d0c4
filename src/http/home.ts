import { document, html } from './html';

/** What the front page links to: only what this instance serves. */
export interface HomePageOptions {
  /** The phone simulator is served (SIMULATOR on). */
  simulator: boolean;
  /** The ministries' console is served. */
  console: boolean;
  /** The ministries' REST API (and its OpenAPI document) is served. */
  api: boolean;
}

/**
 * The page at `/`: what Lingkod is, where to go from here (the simulator, the console, the API
 * document, health) and how an officer signs in. No data of anyone's; the console's stylesheet.
 */
export function homePage(options: HomePageOptions): string {
  const body = html`<main id="main" class="narrow home">
<h1>Lingkod</h1>
<p>Government services from any phone: citizens ask for services, follow their requests and get updates by USSD, SMS and Telegram; ministries' officers work on the requests and send announcements from a web console.</p>
<h2>Where to go</h2>
<ul class="links">
  ${options.simulator ? html`<li><a href="/simulator">Phone simulator</a>: try Lingkod as a citizen on a simulated feature phone (USSD, SMS, chat).</li>` : ''}
  ${options.console ? html`<li><a href="/console">Ministries' console</a>: requests, broadcasts, the dashboard and the audit log, for officers.</li>` : ''}
  ${options.api ? html`<li><a href="/api/v1/openapi.json">API document</a> (OpenAPI 3.1): the ministries' REST API at <code>/api/v1</code>, authorised by an API key.</li>` : ''}
  <li><a href="/healthz">Health</a> (and <a href="/readyz">readiness</a>: whether the database answers).</li>
</ul>
${options.console
  ? html`<h2>How to sign in</h2>
<p>The console and the API take an API key, made in an officer's name:</p>
<ul>
  <li>On the very first start (no key yet), the server prints a <strong>one-time sign-in link</strong> in its log, valid for 15 minutes: open it to make the first super-admin key.</li>
  <li>From the server's shell: <code>npm run admin -- create-key --super-admin --holder "YOUR NAME"</code>, or <code>--ministry CODE</code> for a ministry's key. With the embedded database, stop the server first (only one process may open it), or make the key through the API.</li>
  <li>With an admin key, make a ministry's other keys through the API: <code>POST /api/v1/keys</code>.</li>
</ul>`
  : ''}
</main>`;
  return document({ title: 'Lingkod', styles: options.console ? ['/console/console.css'] : [], scripts: [], icon: options.console ? '/console/icon.svg' : '/simulator/icon.svg', body });
}
