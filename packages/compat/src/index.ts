export { parseScenarios, readScenarios, ScenarioError, type Route, type Scenario } from './scenarios.js';
export { startStubStack, type StubStack } from './stub-stack.js';
export { coreCommand, referenceFctl, runScenarios, runScenariosInstalled, type PluginSource, type RunScenariosOptions, type ScenarioResult, type ScenariosRun } from './run.js';
export * from './matrix/index.js';
