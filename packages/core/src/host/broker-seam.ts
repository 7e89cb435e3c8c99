// What the plugin host needs of the HTTP broker (packages/core/src/broker): one factory and one
// method. The host gives each execute its own broker, made from that execute's auth context; the
// broker scopes, credentials and sends a request and answers it, and the host keeps the protocol's
// bookkeeping (which execute a request belongs to, the in-flight bound, cancel, line sizes).
// Types only: the broker's code is loaded when a plugin speaks v2.
import type { BrokerOptions, HttpBroker } from '../broker/index.js';

export type { BrokerLimits, BrokerOptions, HttpBroker } from '../broker/index.js';
export type BrokerFactory = (options: BrokerOptions) => HttpBroker;
