// The compatibility matrix (issue 15): planning, selection of cores, shards and the GitHub matrix,
// the per-cell cache, results and their merge, and the reports. docs/compat.md, "The matrix".
export { cellId, LOCAL_BUILD_MARKER, pluginVersionLabel, planMatrix, PlanError, reachableCells, type CoreInput, type Plan, type PlanOptions, type PlannedCell, type PlanPluginVersion, type PluginInput, type PluginVersionInput, type ReachableCell, type ReasonCode, type UnreachableCell, type UnreachableReason } from './plan.js';
export { pluginsFromRegistry, type FromRegistryOptions } from './from-registry.js';
export { MAX_LAST_MINORS, parseCoreSelection, selectCores, type CoreSelection } from './select-cores.js';
export { formatShard, MAX_SHARDS, parseShard, shardCells, sliceBounds, type Shard } from './shard.js';
export { GITHUB_MAX_JOBS, githubMatrix, type GithubMatrix, type GithubMatrixJob } from './github-matrix.js';
export { CacheKeyError, CELL_KEY_VERSION, canonicalCellKeyText, cellCacheKey, normalizeDigest, normalizeProtocolVersions, sha256Hex, type CellKeyInput } from './cache-key.js';
export { CACHE_ENTRY_FORMAT, CellCache, MAX_CACHE_ENTRY_BYTES, type CacheLookup } from './cache.js';
export { checkOutcome, makeResults, missingCells, parseResults, RESULTS_FORMAT, RESULTS_LIMITS, ResultsError, type CellOutcome, type CellResult, type MatrixResults, type ScenarioOutcome } from './results.js';
export { MergeConflictError, mergeResults } from './merge.js';
export { cellViews, gatePasses, matrixJson, summarize, type CellState, type CellView, type MatrixSummary } from './report-json.js';
export { junitXml } from './report-junit.js';
export { matrixMarkdown, SYMBOLS, type MarkdownOptions } from './report-markdown.js';
export { matrixHtml, type HtmlOptions } from './report-html.js';
export { defaultJobs, PoolError, runPool } from './pool.js';
export { combineCores, coreDigest, LOCAL_BUILD_VERSION, localCores, parseCoreSpec, protocolsFromVersionOutput, reportedCoreVersion, type CoreBinary, type CoreProvider, type CoreSpec } from './core-provider.js';
export { CellInputError, RELEASE_SCENARIOS_FILE, releaseScenarios, type ReleaseScenarios, type ScenarioProvider } from './scenario-provider.js';
export { readMatrixRegistry, RegistryInputError, type MatrixRegistry } from './registry-input.js';
export { runCell, type CellInputs, type CellRun } from './run-cell.js';
export { interleavedByCore, runMatrix, type MatrixRun, type RunMatrixOptions } from './run-matrix.js';
export { REPORT_FILES, writeReports } from './write-reports.js';
export { checkHtmlUrl, CompareError, compareMatrices, comparisonMarkdown, type CellChange, type CompareMarkdownOptions, type CompareOptions, type Comparison, type SideState } from './compare.js';
export { CoreFetchError, releasedCores, type ReleasedCoresOptions } from './released-cores.js';
export { localPluginMatrix, type LocalPluginBuild } from './local-plugin-build.js';
