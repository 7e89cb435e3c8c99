// Every refusal or failure of a brokered request: a code the plugin can branch on and a message
// naming what was refused (never a token, never a query string).
export type BrokerErrorCode =
  | 'http_origin_refused'
  | 'http_path_refused'
  | 'http_url_refused'
  | 'http_header_refused'
  | 'http_body_too_large'
  | 'http_redirect_refused'
  | 'http_timeout'
  | 'http_cancelled'
  | 'http_too_many_requests'
  | 'http_failed';

export class BrokerError extends Error {
  constructor(
    readonly code: BrokerErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'BrokerError';
  }
}
