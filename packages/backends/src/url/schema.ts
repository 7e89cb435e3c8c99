// The url backend's schemas: its entry in a release section (fctl-plugin.json) and its registry
// source. Loaded only by tools and fctl-kit (through the backend's schemas()), never by fctl.
import { Type, type Static } from '@sinclair/typebox';

const text = (description: string) => Type.String({ pattern: '\\S', maxLength: 4096, errorMessage: 'must be a non-empty string', description });

export const UrlConfigSchema = Type.Object(
  {
    backend: Type.Literal('url'),
    to: text('A directory (from the plugin directory) or an http(s) base URL to PUT to'),
    publicBase: Type.Optional(text('The URL users download from, when it is not `to`')),
  },
  { additionalProperties: false },
);

export const UrlSourceSchema = Type.Object(
  {
    backend: Type.Literal('url'),
    url: Type.String({
      minLength: 1,
      maxLength: 2048,
      pattern: '\\{file\\}',
      errorMessage: 'must be a URL template with a {file} placeholder',
      description:
        'Where a file of the release is: a template with {name}, {version}, {file} (fctl-plugin-NAME-OS-ARCH[.exe], checksums.txt, checksums.txt.sig), {os} and {arch}; https, http to loopback only, or file',
    }),
  },
  { additionalProperties: false },
);

export type UrlConfig = Static<typeof UrlConfigSchema>;
export type UrlSource = Static<typeof UrlSourceSchema>;
