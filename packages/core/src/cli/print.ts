import type { Display } from '@fctl-kit/protocol';
import { render, shouldUseColor } from '../render/index.js';
import type { Context } from './context.js';

/** Prints data of fctl's own commands through the same renderer as plugin results. */
export async function printData(context: Context, data: unknown, display: Display): Promise<void> {
  const { globals, io } = context;
  const color = shouldUseColor(io.stdout, io.env, !globals.color);
  io.stdout.write(await render(data, { format: globals.output, display, color }));
}
