export { Broker, MAX_REDIRECTS, MAX_REQUEST_BODY, MAX_RESPONSE_BODY, type BrokerBody, type BrokerOptions, type BrokerRequest, type BrokerResponse } from './broker.js';
export { debugLine, type DebugEntry } from './debug-line.js';
export { BrokerError, type BrokerErrorCode } from './errors.js';
export { checkRequestHeaders, isCredentialHeader, MAX_HEADER_BYTES, MAX_HEADER_COUNT, visibleResponseHeaders } from './headers.js';
export { checkUrl, MAX_URL_LENGTH, resolveInScope, scopeOf, type Scope } from './scope.js';
