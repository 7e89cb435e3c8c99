// How a plugin file is started: JavaScript bundles run on the Node that runs fctl
// (development builds, `plugin install --path <source dir>`); anything else is executed directly.
export function launchCommand(path: string): { command: string; args: string[] } {
  return /\.(c|m)?js$/.test(path) ? { command: process.execPath, args: [path] } : { command: path, args: [] };
}
