// GitHub Actions workflow files checked the way GitHub reads them: @actions/workflow-parser is
// GitHub's own parser (the one behind the Actions language service), with GitHub's workflow schema;
// it reports unknown keys, wrong value types and malformed expressions, as github.com does when a
// workflow is pushed. The messages name the file, line and column.
import { NoOperationTraceWriter, parseWorkflow } from '@actions/workflow-parser';

export function workflowSchemaErrors(name: string, content: string): string[] {
  const result = parseWorkflow({ name, content }, new NoOperationTraceWriter());
  const errors = result.context.errors.getErrors().map((error) => error.message);
  if (!result.value && !errors.length) errors.push(`${name}: not a workflow`);
  return errors;
}
