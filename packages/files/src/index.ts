export { syncDirectory, temporaryPathFor, writeFileAtomic, writeJsonAtomic, type WriteOptions } from './atomic-write.js';
export { lockPathFor, withFileLock, type LockOptions } from './lock.js';
export { describeFsError, FileError, PERMISSION_CODES } from './errors.js';
export { readFileBounded } from './read-bounded.js';
