export { DownloadError, type DistributionBackend, type OpenedFile, type Release } from './backend.js';
export { downloadFile, type DownloadOptions, type DownloadProgress, type Downloaded } from './download.js';
export { checkHttpUrl, displayUrl, networkReason, parseRetryAfter } from './http.js';
export { UrlBackend, expandTemplate } from './url-backend.js';
export { backendFor } from './backends.js';
export { binaryFileName, currentPlatform, CHECKSUMS_FILE, SIGNATURE_FILE, type Platform } from './release-files.js';
export { readBuildRelease, publicationOrder, PublishError, type BuildRelease, type PublishStep, type PublishSummary } from './publish.js';
export { publishToUrl, type UrlPublishOptions } from './url-publish.js';
