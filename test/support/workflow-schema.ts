// GitHub Actions workflow files checked the way GitHub reads them: @actions/workflow-parser is
// GitHub's own parser (the one behind the Actions language service), with GitHub's workflow schema;
// it reports unknown keys, wrong value types and malformed expressions, as github.com does when a
// workflow is pushed. The messages name the file, line and column.
// It runs in a child Node with tsx's loader: the parser imports its JSON schema without the import
// attribute Node requires, which vitest's Node-loaded dependencies cannot do.
import { execFile } from 'node:child_process';
import { repoRoot } from './paths.js';

const PARSE = `
import { NoOperationTraceWriter, parseWorkflow } from '@actions/workflow-parser';
let input = '';
for await (const chunk of process.stdin) input += chunk;
const { name, content } = JSON.parse(input);
const result = parseWorkflow({ name, content }, new NoOperationTraceWriter());
const errors = result.context.errors.getErrors().map((error) => error.message);
if (!result.value && !errors.length) errors.push(name + ': not a workflow');
process.stdout.write(JSON.stringify(errors));
`;

export function workflowSchemaErrors(name: string, content: string): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const child = execFile(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', PARSE], { cwd: repoRoot, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`@actions/workflow-parser failed: ${stderr || error.message}`));
      else resolve(JSON.parse(stdout) as string[]);
    });
    child.stdin!.end(JSON.stringify({ name, content }));
  });
}
