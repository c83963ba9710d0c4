/**
 * The simulator's stylesheet, served from /simulator/phone.css (a file of its own: the CSP
 * allows no inline style). One column on a phone (the phone first, its Call key within the
 * first 640 px), three beside each other on a wide screen;
 * every colour pair meets WCAG AA contrast.
 */
export const PHONE_CSS = `
*, *::before, *::after { box-sizing: border-box; }
html { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "Noto Sans Bengali", sans-serif; color: #1a1d21; background: #f3f4f1; }
body { margin: 0; line-height: 1.45; }
h1 { font-size: 1.4rem; margin: 0 0 .25rem; }
h2 { font-size: 1.1rem; margin: 0 0 .5rem; }
.top { padding: .5rem 1rem; background: #0b4f6c; color: #fff; display: flex; flex-wrap: wrap; align-items: baseline; column-gap: 1.5rem; }
.top h1 { font-size: 1.15rem; margin: 0; }
.top ul { list-style: none; margin: 0; padding: 0; display: flex; flex-wrap: wrap; column-gap: 1rem; }
.top a { color: #fff; }
.top a:hover { color: #d5e6ee; }
.about { margin-bottom: .75rem; }
main { display: grid; gap: 1rem; padding: .5rem 1rem 1rem; grid-template-columns: minmax(0, 1fr); max-width: 72rem; margin: 0 auto; }
@media (min-width: 900px) { main { grid-template-columns: 22rem 16rem minmax(0, 1fr); align-items: start; padding-top: 1rem; } .top h1 { font-size: 1.4rem; } }
.card { background: #fff; border: 1px solid #c9cdc4; border-radius: .5rem; padding: 1rem; }
.field { margin-bottom: .75rem; }
label { display: block; font-weight: 600; margin-bottom: .25rem; }
input, select, textarea { font: inherit; width: 100%; padding: .5rem; border: 1px solid #5f6b66; border-radius: .25rem; background: #fff; color: #1a1d21; }
button { font: inherit; cursor: pointer; border-radius: .35rem; border: 1px solid #0b4f6c; background: #0b4f6c; color: #fff; padding: .5rem .9rem; min-height: 2.75rem; }
button:hover { background: #083a50; }
:focus-visible { outline: 3px solid #c15400; outline-offset: 2px; }
.status { min-height: 1.5em; margin: .5rem 0 0; color: #1d5e20; }
.status.error { color: #a11d14; }
.hint { color: #4a524e; margin: 0 0 .5rem; }
.visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip-path: inset(50%); white-space: nowrap; }
.phone { background: #22292f; border-radius: 1.75rem; padding: .75rem .9rem 1rem; color: #f1f3f4; width: 100%; max-width: 22rem; margin: 0 auto; }
.modes { display: flex; gap: .25rem; margin-bottom: .75rem; }
.modes button { flex: 1; background: #3a454e; border-color: #3a454e; min-height: 2.5rem; }
.modes button[aria-selected="true"] { background: #f1f3f4; color: #22292f; border-color: #f1f3f4; font-weight: 700; }
.panel label { color: #f1f3f4; font-weight: 600; }
.panel label.speak { display: flex; align-items: center; gap: .5rem; font-weight: 400; }
.speak input { width: 1.25rem; height: 1.25rem; margin: 0; }
.screen { background: #c9dcb5; color: #10200c; border-radius: .4rem; min-height: 11rem; padding: .6rem; border: 3px solid #10200c; }
.screen pre { margin: 0; white-space: pre-wrap; word-break: break-word; font-family: ui-monospace, "DejaVu Sans Mono", "Noto Sans Mono", monospace; font-size: .95rem; line-height: 1.35; }
.network { font-size: .85rem; color: #d5dadd; margin: .4rem 0 .6rem; min-height: 1.3em; }
.network.error { color: #ffb4ab; }
.keypad { display: grid; grid-template-columns: repeat(3, 1fr); gap: .35rem; margin: .5rem 0 0; }
.key { background: #f1f3f4; color: #22292f; border-color: #f1f3f4; font-size: 1.2rem; font-weight: 700; }
.key:hover { background: #d5dadd; }
.calls { display: grid; grid-template-columns: 1fr 1fr; gap: .4rem; margin-top: .5rem; }
.call { background: #1d6b2c; border-color: #1d6b2c; }
.call:hover { background: #154f20; }
.end { background: #a11d14; border-color: #a11d14; }
.end:hover { background: #7d160f; }
.thread { list-style: none; margin: 0; padding: .5rem; display: flex; flex-direction: column; gap: .4rem; min-height: 13.5rem; max-height: 26rem; overflow-y: auto; background: #f1f3f4; color: #1a1d21; border-radius: .4rem; }
.inbox .thread { background: #fff; padding: 0; min-height: 0; max-height: none; }
.bubble { padding: .45rem .6rem; border-radius: .6rem; max-width: 90%; white-space: pre-wrap; word-break: break-word; }
.bubble.in { background: #fff; border: 1px solid #c9cdc4; align-self: flex-start; }
.bubble.out { background: #0b4f6c; color: #fff; align-self: flex-end; }
.inbox .bubble { max-width: 100%; }
.meta { display: block; font-size: .8rem; color: #4a524e; margin-top: .2rem; }
.bubble.out .meta { color: #e3eef3; }
.compose { margin-top: .6rem; display: grid; gap: .4rem; }
.chat-buttons { display: flex; flex-wrap: wrap; gap: .35rem; margin-top: .5rem; }
.chat-buttons button { flex: 1 1 45%; background: #f1f3f4; color: #0b4f6c; border-color: #f1f3f4; }
.chat-buttons button:hover { background: #d5dadd; }
.kind { font-weight: 700; }
`;
