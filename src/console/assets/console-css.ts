/**
 * The console's stylesheet, served from /console/console.css (the CSP allows no inline style).
 * System fonts, no images; one column below 720 px so it works on a 360 px phone; every
 * colour pair meets WCAG AA contrast; focus is always visible.
 */
export const CONSOLE_CSS = `
*, *::before, *::after { box-sizing: border-box; }
html { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", sans-serif; color: #1a1d21; background: #f3f4f1; line-height: 1.45; }
body { margin: 0; }
a { color: #0b4f6c; }
a:hover { color: #083a50; }
:focus-visible { outline: 3px solid #c15400; outline-offset: 2px; }
h1 { font-size: 1.5rem; margin: .5rem 0 1rem; }
h2 { font-size: 1.15rem; margin: 0 0 .6rem; }
.skip { position: absolute; left: -999px; top: 0; background: #fff; padding: .5rem; z-index: 10; }
.skip:focus { left: .5rem; }
.bar { background: #0b4f6c; color: #fff; padding: .5rem 1rem; display: flex; flex-wrap: wrap; align-items: center; gap: .5rem 1.25rem; }
.bar a { color: #fff; }
.brand { font-weight: 700; font-size: 1.1rem; text-decoration: none; }
.bar nav ul { list-style: none; margin: 0; padding: 0; display: flex; flex-wrap: wrap; gap: .25rem .9rem; }
.bar nav a { display: inline-block; padding: .4rem 0; }
.bar nav a[aria-current="page"] { font-weight: 700; text-decoration-thickness: 3px; }
.who { margin-left: auto; display: flex; flex-wrap: wrap; align-items: center; gap: .6rem; font-size: .9rem; }
.who form { margin: 0; }
.narrow-links { margin-top: 1.5rem; }
.home li { margin-bottom: .4rem; }
button.link { background: none; border: 1px solid #fff; color: #fff; min-height: 2.25rem; padding: .25rem .6rem; }
button.link:hover { background: #083a50; }
main { padding: 1rem; max-width: 70rem; margin: 0 auto; }
main.narrow { max-width: 28rem; padding-top: 2rem; }
main:focus { outline: none; }
.card { background: #fff; border: 1px solid #c9cdc4; border-radius: .5rem; padding: 1rem; margin: 0 0 1rem; }
.field { margin-bottom: .8rem; }
label, legend { display: block; font-weight: 600; margin-bottom: .25rem; }
fieldset { border: 1px solid #c9cdc4; border-radius: .35rem; margin: 0 0 .8rem; padding: .5rem .8rem; }
.check { display: flex; align-items: center; gap: .5rem; margin: .3rem 0; }
.check label { font-weight: 400; margin: 0; }
.check input { width: 1.25rem; height: 1.25rem; }
input, select, textarea { font: inherit; width: 100%; max-width: 100%; min-width: 0; padding: .45rem; border: 1px solid #5f6b66; border-radius: .25rem; background: #fff; color: #1a1d21; }
select[multiple] { padding: .2rem; }
button, .button { font: inherit; cursor: pointer; border-radius: .35rem; border: 1px solid #0b4f6c; background: #0b4f6c; color: #fff; padding: .5rem 1rem; min-height: 2.75rem; display: inline-block; text-decoration: none; }
.button { color: #fff; line-height: 1.7; }
button:hover, .button:hover { background: #083a50; color: #fff; }
button.danger { background: #a11d14; border-color: #a11d14; }
button.danger:hover { background: #7d160f; }
.actions { display: flex; flex-wrap: wrap; gap: .5rem; align-items: center; }
form.inline { display: inline; margin: 0; }
.filters { display: grid; gap: 0 1rem; grid-template-columns: minmax(0, 1fr); }
@media (min-width: 720px) { .filters { grid-template-columns: repeat(3, minmax(0, 1fr)); align-items: end; } }
.hint { color: #4a524e; font-size: .9rem; margin: .25rem 0 0; }
.flash { background: #e3f1e4; border: 1px solid #1d5e20; color: #143f16; padding: .6rem .8rem; border-radius: .35rem; }
.flash.error { background: #fbe9e7; border: 2px solid #a11d14; border-left-width: .5rem; color: #5e0f0a; font-weight: 600; }
.confirm { border: 2px solid #a11d14; }
.search { display: flex; flex-wrap: wrap; gap: 0 1rem; align-items: end; }
.search .field { flex: 1 1 14rem; }
.search .error-text { flex-basis: 100%; margin: 0; }
.error-text { color: #a11d14; font-weight: 600; }
.badge { display: inline-block; padding: .05rem .5rem; border-radius: 1rem; background: #e1ecf1; color: #083a50; font-size: .9rem; }
.table-wrap { overflow-x: auto; margin-bottom: 1rem; }
table { border-collapse: collapse; width: 100%; background: #fff; font-size: .95rem; }
caption { text-align: left; font-weight: 600; padding: .4rem 0; }
th, td { text-align: left; padding: .45rem .6rem; border-bottom: 1px solid #dfe2dc; vertical-align: top; }
thead th { background: #eef0ec; }
td.details span { display: block; font-size: .85rem; word-break: break-word; }
.facts { display: grid; grid-template-columns: minmax(7rem, max-content) 1fr; gap: .3rem 1rem; margin: 0 0 1rem; }
.facts dt { font-weight: 600; }
.facts dd { margin: 0; word-break: break-word; }
.message { white-space: pre-wrap; }
.history { padding-left: 1.2rem; }
.history li { margin-bottom: .4rem; }
.note { white-space: pre-wrap; }
.preview table { font-size: .9rem; }
.counts { list-style: none; padding: 0; display: flex; flex-wrap: wrap; gap: .4rem 1.2rem; }
progress { width: 100%; height: 1.25rem; accent-color: #1d6b2c; }
progress.stopped { accent-color: #5f6b66; }
.badge.stopped { background: #f1e4e2; color: #5e0f0a; }
tr.flagged td:first-child { border-left: .3rem solid #a11d14; }
.history li.internal { background: #f6f1df; padding: .2rem .4rem; }
.badge.warn, .flash.warn { background: #fdf0d5; color: #5a3b00; border-color: #8a5a00; }
.compose { display: grid; gap: 1rem; grid-template-columns: minmax(0, 1fr); }
@media (min-width: 960px) { .compose { grid-template-columns: repeat(2, minmax(0, 1fr)); align-items: start; } .compose .preview { position: sticky; top: 1rem; } }
.charts { display: grid; gap: 1rem; grid-template-columns: minmax(0, 1fr); margin-bottom: 1rem; }
@media (min-width: 960px) { .charts { grid-template-columns: repeat(2, minmax(0, 1fr)); } }
.chart { margin: 0; background: #fff; border: 1px solid #c9cdc4; border-radius: .5rem; padding: .8rem; min-width: 0; }
.chart figcaption { font-weight: 600; margin-bottom: .4rem; }
.chart > svg { width: 100%; height: auto; display: block; }
.chart svg text { font-size: 11px; fill: #3b4240; }
@media (max-width: 600px) { .chart svg text { font-size: 20px; } }
.legend { list-style: none; padding: 0; margin: .5rem 0; display: flex; flex-wrap: wrap; gap: .3rem 1rem; font-size: .9rem; }
.legend li { display: flex; align-items: center; gap: .35rem; }
.swatch { width: .8rem; height: .8rem; flex: none; }
details summary { cursor: pointer; color: #0b4f6c; padding: .3rem 0; }
.total { font-size: 1.05rem; }
code { background: #eef0ec; padding: 0 .25rem; border-radius: .2rem; word-break: break-all; }
.visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip-path: inset(50%); white-space: nowrap; }
`;
