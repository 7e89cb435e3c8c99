import { SUPPORTED_PROTOCOL_VERSIONS } from '@fctl-kit/protocol';

export const PROTOCOL_INFO = `plugin protocol ${SUPPORTED_PROTOCOL_VERSIONS.map((v) => `v${v}`).join(', ')}`;
