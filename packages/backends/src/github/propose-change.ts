// Registry pull requests (pull-request.ts), imported only when one is opened or a registry file read,
// so that importing @fctl-kit/backends (as fctl does to download) never evaluates octokit.
import type { FileChangeProposal, ProposalOutcome } from './pull-request.js';

export type { FileChangeProposal, ProposalOutcome } from './pull-request.js';

export async function proposeFileChange(proposal: FileChangeProposal): Promise<ProposalOutcome> {
  return (await import('./pull-request.js')).proposeFileChange(proposal);
}

export async function readRepositoryFile(where: Parameters<typeof import('./pull-request.js').readRepositoryFile>[0]): Promise<string> {
  return (await import('./pull-request.js')).readRepositoryFile(where);
}
