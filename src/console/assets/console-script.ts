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
        if (ticket === asked) preview.innerHTML = fragment;
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
      const count = () => {
        if (counter) counter.textContent = `${area.value.trim().length} characters`;
      };
      area.addEventListener('input', count);
      count();
    }
  }

  // A broadcast's page: progress, polled while it may still move.
  const card = document.getElementById('progress-card');
  if (card && card.dataset.live === 'true') {
    const bar = document.getElementById('progress-bar') as HTMLProgressElement | null;
    const statusText = document.getElementById('progress-status');
    const poll = async () => {
      try {
        const response = await fetch(card.dataset.progress ?? '', { credentials: 'same-origin', headers: { Accept: 'application/json' } });
        if (!response.ok) return false;
        const progress = (await response.json()) as Progress;
        const handled = progress.sent + progress.delivered + progress.failed + progress.cancelled;
        if (bar) {
          bar.max = Math.max(progress.recipients ?? 0, handled + progress.queued, 1);
          bar.value = handled;
          bar.textContent = `${handled} of ${bar.max}`;
        }
        if (statusText) statusText.textContent = progress.statusText;
        for (const name of ['queued', 'sent', 'delivered', 'failed', 'cancelled'] as const) {
          const cell = card.querySelector(`[data-count="${name}"]`);
          if (cell) cell.textContent = String(progress[name]);
        }
        const finished = progress.status === 'completed' || progress.status === 'stopped';
        if (finished) card.querySelectorAll('form').forEach((form) => form.remove());
        return !finished;
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
