/* istanbul ignore file */
// The body of consoleScript runs in the browser (served as its source text), so coverage
// instrumentation must never be injected into it.

/**
 * The console's only script, type-checked here and served from /console/console.js as
 * `(consoleScript)()`; it must stay self-contained. Every page works without it: it adds the
 * compose page's live preview and character counts, and a broadcast's live progress.
 */
export function consoleScript(): void {
  interface Progress {
    status: string;
    statusText: string;
    recipients: number | null;
    queued: number;
    sent: number;
    delivered: number;
    failed: number;
    cancelled: number;
    /** Finished and its delivery receipts settled (or waited for long enough): nothing more will change. */
    settled: boolean;
  }

  // Compose: preview the form as it stands, a moment after the officer stops typing.
  const compose = document.getElementById('compose') as HTMLFormElement | null;
  const preview = document.getElementById('preview');
  if (compose && preview) {
    let timer: number | undefined;
    let asked = 0;
    const refresh = async () => {
      const ticket = ++asked;
      const body = new URLSearchParams();
      new FormData(compose).forEach((value, name) => {
        if (typeof value === 'string') body.append(name, value);
      });
      try {
        const response = await fetch(compose.dataset.preview ?? '', { method: 'POST', body, credentials: 'same-origin' });
        const fragment = await response.text();
        // Only the newest answer is shown; the server escapes everything in it.
        if (ticket === asked) {
          preview.innerHTML = fragment;
          // The preview sized each text as sent (with the verification line): the counters say so.
          for (const row of Array.from(preview.querySelectorAll<HTMLElement>('[data-sent]'))) {
            const area = compose.querySelector<HTMLTextAreaElement>(`textarea[data-locale="${row.dataset.sent ?? ''}"]`);
            const counter = area ? document.getElementById(area.dataset.count ?? '') : null;
            if (area && counter && area.value.trim() !== '') {
              const segments = Number(row.dataset.segments);
              counter.textContent = `${row.dataset.units} characters as sent, with the verification line: ${segments} SMS ${segments === 1 ? 'part' : 'parts'} (${row.dataset.encoding})`;
            }
          }
        }
      } catch {
        if (ticket === asked) preview.textContent = 'The preview is unavailable; the broadcast can still be sent.';
      }
    };
    const schedule = () => {
      window.clearTimeout(timer);
      timer = window.setTimeout(() => void refresh(), 350);
    };
    compose.addEventListener('input', schedule);
    compose.addEventListener('change', schedule);
    for (const area of Array.from(compose.querySelectorAll<HTMLTextAreaElement>('textarea[data-count]'))) {
      const counter = document.getElementById(area.dataset.count ?? '');
      // What is sent is the text, a line break and the verification line the outbox adds.
      const extra = Number(area.dataset.extra ?? '0');
      const count = () => {
        const written = area.value.trim().length;
        if (counter) counter.textContent = written === 0 ? `0 characters (the verification line adds ${extra})` : `${written + extra} characters as sent (${written} written, ${extra} for the verification line)`;
      };
      area.addEventListener('input', count);
      count();
    }
  }

  // A broadcast's page: progress, polled while it may still move (the server bounds how long receipts are awaited).
  const card = document.getElementById('progress-card');
  if (card && card.dataset.live === 'true') {
    const bar = document.getElementById('progress-bar') as HTMLProgressElement | null;
    const statusText = document.getElementById('progress-status');
    const poll = async () => {
      try {
        const response = await fetch(card.dataset.progress ?? '', { credentials: 'same-origin', headers: { Accept: 'application/json' } });
        if (!response.ok) return false;
        const progress = (await response.json()) as Progress;
        // The bar fills with what went out; cancelled messages did not, so a stopped one is not shown full.
        const goneOut = progress.sent + progress.delivered + progress.failed;
        if (bar) {
          bar.max = Math.max(progress.recipients ?? 0, goneOut + progress.queued, 1);
          bar.value = goneOut;
          bar.textContent = `${goneOut} of ${bar.max}`;
          bar.classList.toggle('stopped', progress.status === 'stopped');
        }
        if (statusText) {
          statusText.textContent = progress.statusText;
          statusText.classList.toggle('stopped', progress.status === 'stopped');
        }
        for (const name of ['queued', 'sent', 'delivered', 'failed', 'cancelled'] as const) {
          const cell = card.querySelector(`[data-count="${name}"]`);
          if (cell) cell.textContent = String(progress[name]);
        }
        const finished = progress.status === 'completed' || progress.status === 'stopped';
        if (finished) card.querySelectorAll('form').forEach((form) => form.remove());
        // Delivery receipts still arrive after the last message went out: follow them until they settle.
        return !(finished && progress.settled);
      } catch {
        return true;
      }
    };
    const loop = async () => {
      if (await poll()) window.setTimeout(() => void loop(), 1500);
    };
    void loop();
  }
}
