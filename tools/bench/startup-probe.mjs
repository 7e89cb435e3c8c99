// Preloaded into fctl (`node --import ./startup-probe.mjs`) by tools/bench/fctl-startup.mjs: marks
// the phases of one run without changing fctl's code, and appends them as JSON lines to
// $FCTL_PROBE_OUT. Times are epoch milliseconds (performance.timeOrigin + now), so the marks of fctl
// and of the plugin process it starts (the probe follows a Node child through its arguments) line
// up on one clock.
//   fctl:   node bootstrapped, probe loaded, main module evaluated (its first process.on('SIGINT')),
//           each state file read, each HTTP request (undici's diagnostics channels), the plugin
//           spawn, protocol lines written and read, the first output written, exit;
//   plugin: the same bootstrap marks, protocol lines read and written, its HTTP requests, exit.
import childProcess from 'node:child_process';
import diagnostics from 'node:diagnostics_channel';
import fs from 'node:fs';
import fsPromises from 'node:fs/promises';
import { syncBuiltinESMExports } from 'node:module';
import { basename } from 'node:path';
import { fileURLToPath } from 'node:url';

const out = process.env.FCTL_PROBE_OUT;
const role = process.env.FCTL_PROBE_ROLE ?? 'fctl';
const probePath = fileURLToPath(import.meta.url);
const now = () => performance.timeOrigin + performance.now();
const marks = [];
const mark = (name, detail, at = now()) => marks.push({ role, name, ...(detail === undefined ? {} : { detail }), at });

mark('process start', undefined, performance.timeOrigin);
mark('node bootstrapped', undefined, performance.timeOrigin + performance.nodeTiming.bootstrapComplete);
mark('probe loaded');

const originalOn = process.on.bind(process);
let mainSeen = false;
process.on = (event, listener) => {
  // The probe loads first, so the first SIGINT listener is the program's (fctl's main.ts).
  if (!mainSeen && event === 'SIGINT') {
    mainSeen = true;
    mark('main evaluated');
  }
  return originalOn(event, listener);
};

const configDir = process.env.FCTL_CONFIG_DIR;
const stateFile = (path) => typeof path === 'string' && configDir && path.startsWith(configDir);
const originalReadFile = fsPromises.readFile;
fsPromises.readFile = async function readFile(path, ...rest) {
  if (!stateFile(path)) return originalReadFile.call(this, path, ...rest);
  mark('read start', basename(path));
  try {
    return await originalReadFile.call(this, path, ...rest);
  } finally {
    mark('read end', basename(path));
  }
};
const originalReadFileSync = fs.readFileSync;
fs.readFileSync = function readFileSync(path, ...rest) {
  if (!stateFile(path)) return originalReadFileSync.call(this, path, ...rest);
  mark('read start', basename(path));
  try {
    return originalReadFileSync.call(this, path, ...rest);
  } finally {
    mark('read end', basename(path));
  }
};

const requests = new WeakMap();
diagnostics.subscribe('undici:request:create', ({ request }) => {
  const label = `${request.method} ${request.path}`;
  requests.set(request, label);
  mark('http start', label);
});
diagnostics.subscribe('undici:request:headers', ({ request, response }) => mark('http headers', `${requests.get(request)} ${response.statusCode}`));
diagnostics.subscribe('undici:request:trailers', ({ request }) => mark('http end', requests.get(request)));
diagnostics.subscribe('undici:client:connected', () => mark('http connected'));

const originalSpawn = childProcess.spawn;
childProcess.spawn = function spawn(command, args = [], options = {}) {
  const followed = command === process.execPath && out;
  mark('spawn', basename(String(command)));
  const child = originalSpawn.call(
    this,
    command,
    followed ? ['--import', probePath, ...args] : args,
    followed ? { ...options, env: { ...options.env, FCTL_PROBE_OUT: out, FCTL_PROBE_ROLE: 'plugin' } } : options,
  );
  child.once('spawn', () => mark('spawned'));
  const originalWrite = child.stdin?.write;
  if (originalWrite) {
    child.stdin.write = function write(chunk, ...rest) {
      mark('line sent', messageType(chunk));
      return originalWrite.call(this, chunk, ...rest);
    };
  }
  child.stdout?.on('data', (chunk) => mark('line received', messageType(chunk)));
  child.once('exit', () => mark('plugin exited'));
  return child;
};

if (role === 'plugin') {
  process.stdin.on('data', (chunk) => mark('line received', messageType(chunk)));
  const originalWrite = process.stdout.write;
  process.stdout.write = function write(chunk, ...rest) {
    mark('line sent', messageType(chunk));
    return originalWrite.call(this, chunk, ...rest);
  };
} else {
  const originalWrite = process.stdout.write;
  let first = true;
  process.stdout.write = function write(chunk, ...rest) {
    if (first) mark('first output');
    first = false;
    return originalWrite.call(this, chunk, ...rest);
  };
}
syncBuiltinESMExports();

function messageType(chunk) {
  const text = String(chunk);
  return /"type"\s*:\s*"([^"]+)"/.exec(text)?.[1] ?? `${text.length} bytes`;
}

process.once('exit', () => {
  mark('exit');
  if (out) fs.appendFileSync(out, `${JSON.stringify({ role, pid: process.pid, marks })}\n`);
});
