export { parseScenarios, readScenarios, ScenarioError, type Route, type Scenario } from './scenarios.js';
export { startStubStack, type StubStack } from './stub-stack.js';
export { referenceFctl, runScenarios, type ScenarioResult } from './run.js';
