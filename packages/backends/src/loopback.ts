// Kept for the importers of "@fctl-kit/backends/loopback": the rule lives in the HTTP layer.
export { isLoopbackHost } from '@fctl-kit/http';
