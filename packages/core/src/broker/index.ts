// The host's HTTP broker for protocol v2 (docs/broker.md): createBroker(options).handle(request, signal)
// answers each http.request of a plugin with an http.response or an http.error.
export { createBroker, MAX_BROKER_REDIRECTS, type BrokerLimits, type BrokerOptions, type HttpBroker } from './broker.js';
export { isCredentialHeader } from './headers.js';
