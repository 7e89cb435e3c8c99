import { offeredProtocolVersions } from '../host/protocol-offer.js';

/** `plugin protocol v1, v2`: what this fctl offers (FCTL_PROTOCOL_VERSIONS narrows it), read by the compat matrix. */
export const protocolInfo = (): string => `plugin protocol ${offeredProtocolVersions(undefined).map((v) => `v${v}`).join(', ')}`;
