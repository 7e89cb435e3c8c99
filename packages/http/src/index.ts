export { displayUrl, isLoopbackHost, urlPolicyViolation, type UrlPolicy } from './url-policy.js';
export { HttpRequestError, type HttpFailureKind, type TimeoutName } from './errors.js';
export { isRetryableStatus, request, requestBuffered, type BufferedResponse, type HttpRequest, type HttpResponse, type RequestBody } from './request.js';
export { layerFetch } from './fetch.js';
export { parseRetryAfter } from './retry-after.js';
export { DEFAULT_TIMEOUTS, parseDuration, resolveTimeouts, TIMEOUT_VARIABLES, type Timeouts } from './timeouts.js';
