// File-system failures told in words that name the place and what to do.

/** A failure of a file operation; `code` is the system error code (ENOSPC, EROFS, ...) when there is one. */
export class FileError extends Error {
  override name = 'FileError';
  readonly code: string | undefined;

  constructor(message: string, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
    this.code = (cause as NodeJS.ErrnoException | undefined)?.code;
  }
}

/** Errors that waiting cannot cure: the directory refuses writes. */
export const PERMISSION_CODES = new Set(['EROFS', 'EACCES', 'EPERM']);

export function describeFsError(error: unknown, directory: string): string {
  const code = (error as NodeJS.ErrnoException).code;
  switch (code) {
    case 'ENOSPC':
      return 'no space left on the device (ENOSPC)';
    case 'EDQUOT':
      return 'the disk quota is exhausted (EDQUOT)';
    case 'EROFS':
      return `the directory ${directory} is on a read-only file system (EROFS)`;
    case 'EACCES':
    case 'EPERM':
      return `the directory ${directory} is not writable by this user (${code})`;
    default:
      return (error as Error).message ?? String(error);
  }
}
