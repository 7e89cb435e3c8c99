// The phases of one fctl run, from the marks tools/bench/startup-probe.mjs recorded (one JSON line
// per process: fctl's, and the plugin's when one was started). A phase runs from one mark to the
// next one present, so a run without a plugin (built-in service, `fctl version`) or without an
// HTTP request simply has fewer phases.

// [phase, mark that ends it]; each phase starts where the previous present one ended.
const PHASES = [
  ['node bootstrap (fctl)', { role: 'fctl', name: 'node bootstrapped' }],
  ['probe itself (not in the plain runs)', { role: 'fctl', name: 'probe loaded' }],
  ['module loading + evaluation (fctl)', { role: 'fctl', name: 'main evaluated' }],
  ['state files read (plugins.json, config.json)', { role: 'fctl', name: 'read end', last: true, before: { role: 'fctl', name: 'http start' } }],
  ['until the first request leaves (HTTP layer, undici loaded)', { role: 'fctl', name: 'http start' }],
  ['GET /versions round trip', { role: 'fctl', name: 'http end' }],
  ['resolve -> plugin spawned', { role: 'fctl', name: 'spawned' }],
  ['node bootstrap (plugin)', { role: 'plugin', name: 'node bootstrapped' }],
  ['module loading + evaluation (plugin, probe included)', { role: 'plugin', name: 'main evaluated' }],
  ['hello answered (plugin)', { role: 'plugin', name: 'line sent', detail: 'hello' }],
  ['hello -> execute sent (fctl: manifest check, commands, parse)', { role: 'fctl', name: 'line sent', detail: 'execute' }],
  ['execute -> first request (plugin, its HTTP client loaded)', { role: 'plugin', name: 'http start' }],
  ['service round trip (plugin)', { role: 'plugin', name: 'http end' }],
  ['result sent (plugin)', { role: 'plugin', name: 'line sent', detail: 'result' }],
  ['result received (fctl)', { role: 'fctl', name: 'line received', detail: 'result' }],
  ['render -> first output', { role: 'fctl', name: 'first output' }],
  ['first output -> exit (plugin shutdown, fctl teardown)', { role: 'fctl', name: 'exit' }],
];

const matches = (mark, { role, name, detail }) => mark.role === role && mark.name === name && (detail === undefined || mark.detail === detail);

/** Durations (ms) by phase name, for one run's records; `total` is process start to fctl exit. */
export function phasesOf(records) {
  const marks = records.flatMap((record) => record.marks).sort((a, b) => a.at - b.at);
  const start = marks.find((mark) => mark.role === 'fctl' && mark.name === 'process start')?.at;
  if (start === undefined) throw new Error('no fctl process start mark');
  const durations = {};
  let previous = start;
  for (const [phase, selector] of PHASES) {
    const limit = selector.before ? marks.find((mark) => matches(mark, selector.before))?.at ?? Infinity : Infinity;
    const candidates = marks.filter((mark) => matches(mark, selector) && mark.at >= previous && mark.at <= limit);
    const found = selector.last ? candidates.at(-1) : candidates[0];
    if (!found) continue;
    durations[phase] = found.at - previous;
    previous = found.at;
  }
  durations.total = previous - start;
  return durations;
}

export const PHASE_NAMES = [...PHASES.map(([phase]) => phase), 'total'];
