import { readdir, readFile } from "node:fs/promises";
import path from "node:path";

import * as cedar from "@cedar-policy/cedar-wasm/nodejs";

import { sha256Hex } from "@/lib/util/canonical-json";

import { readPolicyAnnotations } from "./annotations";
import { locateCharOffset, problemFromCedarError, toOneLine } from "./cedar-problems";
import { PolicyLoadError, formatLoadProblem, type LoadedPolicy, type PolicyLoadProblem, type PolicySet } from "./types";

const POLICY_EXTENSION = ".cedar";
const SCHEMA_EXTENSION = ".cedarschema";

interface SourceFile {
  name: string;
  text: string;
}

interface LocatedPart {
  source: string;
  /** Character offset of the policy's first character in its file. */
  offset: number;
}

interface FileResult {
  policies: LoadedPolicy[];
  problems: PolicyLoadProblem[];
  warnings: string[];
}

async function readSourceFile(dir: string, name: string): Promise<SourceFile> {
  const text = await readFile(path.join(dir, name), "utf8");
  // Editors on some platforms write a byte order mark, which Cedar's lexer rejects.
  return { name, text: text.startsWith("\uFEFF") ? text.slice(1) : text };
}

async function listFolder(dir: string): Promise<{ schemaNames: string[]; policyNames: string[] }> {
  let names: string[];
  try {
    names = (await readdir(dir, { withFileTypes: true })).filter((entry) => entry.isFile()).map((entry) => entry.name);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new PolicyLoadError([{ file: dir, line: undefined, column: undefined, message: `cannot read the policy folder (${reason})` }]);
  }
  names.sort();
  return {
    schemaNames: names.filter((name) => name.endsWith(SCHEMA_EXTENSION)),
    policyNames: names.filter((name) => name.endsWith(POLICY_EXTENSION)),
  };
}

function checkFolderShape(dir: string, schemaNames: string[], policyNames: string[]): void {
  const problems: PolicyLoadProblem[] = [];
  const problem = (message: string): PolicyLoadProblem => ({ file: dir, line: undefined, column: undefined, message });
  if (schemaNames.length === 0) problems.push(problem(`missing the ${SCHEMA_EXTENSION} file that the policies are validated against`));
  if (schemaNames.length > 1) problems.push(problem(`found ${schemaNames.length} ${SCHEMA_EXTENSION} files (${schemaNames.join(", ")}), but a policy folder needs exactly one`));
  if (policyNames.length === 0) problems.push(problem(`no ${POLICY_EXTENSION} files found, so every request would be denied`));
  if (problems.length > 0) throw new PolicyLoadError(problems);
}

/**
 * Finds where a policy starts in its file. cedar-wasm returns each policy's original text
 * but neither its position nor the file order, so the text is searched for. An offset
 * already claimed by an identical policy is skipped.
 */
function findPolicyOffset(text: string, source: string, claimed: Set<number>): number {
  let offset = text.indexOf(source);
  while (offset !== -1 && claimed.has(offset)) offset = text.indexOf(source, offset + 1);
  if (offset !== -1) claimed.add(offset);
  return Math.max(0, offset);
}

/** Reads the policies of one validated file, in file order, and checks their annotations. */
function extractPolicies(file: SourceFile, displayName: string, located: LocatedPart[]): FileResult {
  const result: FileResult = { policies: [], problems: [], warnings: [] };
  for (const { source, offset } of located) {
    const position = locateCharOffset(file.text, offset);
    const json = cedar.policyToJson(source);
    if (json.type === "failure") {
      result.problems.push(...json.errors.map((error) => problemFromCedarError(displayName, file.text, error)));
      continue;
    }
    const annotations = readPolicyAnnotations(json.json.annotations ?? {}, json.json.effect);
    if (!annotations.ok) {
      result.problems.push(...annotations.messages.map((message) => ({ file: displayName, ...position, message })));
      continue;
    }
    result.policies.push({ ...annotations.values, file: file.name, ...position, effect: json.json.effect, source });
  }
  return result;
}

/** Parses and validates one policy file against the schema, then reads its policies. */
function loadPolicyFile(file: SourceFile, displayName: string, schemaText: string): FileResult {
  const failed = (problems: PolicyLoadProblem[]): FileResult => ({ policies: [], warnings: [], problems });

  const parts = cedar.policySetTextToParts(file.text);
  if (parts.type === "failure") return failed(parts.errors.map((error) => problemFromCedarError(displayName, file.text, error)));

  // Checked before validation, which rejects templates without saying where they are.
  const claimed = new Set<number>();
  if (parts.policy_templates.length > 0) {
    return failed(
      parts.policy_templates.map((template) => ({
        file: displayName,
        ...locateCharOffset(file.text, findPolicyOffset(file.text, template, claimed)),
        message: "policy templates (with ?principal or ?resource slots) are not supported. Write a static policy instead",
      })),
    );
  }

  const validation = cedar.validate({
    schema: schemaText,
    policies: { staticPolicies: file.text },
    validationSettings: { mode: "strict" },
  });
  if (validation.type === "failure") return failed(validation.errors.map((error) => problemFromCedarError(displayName, file.text, error)));
  if (validation.validationErrors.length > 0) {
    return failed(validation.validationErrors.map(({ error }) => problemFromCedarError(displayName, file.text, error)));
  }

  const located = parts.policies
    .map((source) => ({ source, offset: findPolicyOffset(file.text, source, claimed) }))
    .sort((a, b) => a.offset - b.offset);
  const result = extractPolicies(file, displayName, located);
  const warnings = [...validation.validationWarnings.map(({ error }) => error), ...validation.otherWarnings];
  result.warnings.push(...warnings.map((warning) => formatLoadProblem(problemFromCedarError(displayName, file.text, warning))));
  return result;
}

function findDuplicateIds(policies: LoadedPolicy[], dir: string): PolicyLoadProblem[] {
  const firstById = new Map<string, LoadedPolicy>();
  const problems: PolicyLoadProblem[] = [];
  for (const policy of policies) {
    const first = firstById.get(policy.id);
    if (first === undefined) {
      firstById.set(policy.id, policy);
      continue;
    }
    problems.push({
      file: path.join(dir, policy.file),
      line: policy.line,
      column: policy.column,
      message: `duplicate @id ${JSON.stringify(policy.id)}, already used at ${first.file}:${first.line}. Policy ids must be unique across the folder`,
    });
  }
  return problems;
}

/**
 * Hands the policies and schema to cedar-wasm's parse cache. Keys are content hashes, so
 * reloading unchanged files reuses the cached entry.
 */
function preparse(policies: LoadedPolicy[], schema: SourceFile, dir: string): { cedarPolicySetId: string; cedarSchemaName: string } {
  const staticPolicies = Object.fromEntries(policies.map((policy) => [policy.id, policy.source]));
  const cedarPolicySetId = `cordon-policies-${sha256Hex(JSON.stringify(staticPolicies))}`;
  const cedarSchemaName = `cordon-schema-${sha256Hex(schema.text)}`;

  // NOTE: cedar-wasm 4.13 has no call to drop a cached entry, so each distinct content
  // loaded during the life of a process stays in wasm memory.
  const policyAnswer = cedar.preparsePolicySet(cedarPolicySetId, { staticPolicies });
  const schemaAnswer = cedar.preparseSchema(cedarSchemaName, schema.text);
  const errors = [...(policyAnswer.type === "failure" ? policyAnswer.errors : []), ...(schemaAnswer.type === "failure" ? schemaAnswer.errors : [])];
  if (errors.length > 0) {
    throw new PolicyLoadError(errors.map((error) => ({ file: dir, line: undefined, column: undefined, message: toOneLine(error.message) })));
  }
  return { cedarPolicySetId, cedarSchemaName };
}

/**
 * Loads every `*.cedar` file and the one `*.cedarschema` file of `dir`, validates the
 * policies against the schema in Cedar's strict mode and checks Cordon's annotations.
 * Throws `PolicyLoadError` naming the file, line and column of each problem.
 */
export async function loadPolicySet(dir: string): Promise<PolicySet> {
  const absoluteDir = path.resolve(dir);
  const { schemaNames, policyNames } = await listFolder(absoluteDir);
  checkFolderShape(absoluteDir, schemaNames, policyNames);

  const schemaName = schemaNames[0] as string;
  const schema = await readSourceFile(absoluteDir, schemaName);
  const schemaCheck = cedar.checkParseSchema(schema.text);
  if (schemaCheck.type === "failure") {
    throw new PolicyLoadError(schemaCheck.errors.map((error) => problemFromCedarError(path.join(absoluteDir, schemaName), schema.text, error)));
  }

  const policies: LoadedPolicy[] = [];
  const problems: PolicyLoadProblem[] = [];
  const warnings: string[] = [];
  for (const name of policyNames) {
    const file = await readSourceFile(absoluteDir, name);
    const result = loadPolicyFile(file, path.join(absoluteDir, name), schema.text);
    policies.push(...result.policies);
    problems.push(...result.problems);
    warnings.push(...result.warnings);
  }
  problems.push(...findDuplicateIds(policies, absoluteDir));
  if (problems.length === 0 && policies.length === 0) {
    problems.push({ file: absoluteDir, line: undefined, column: undefined, message: `the ${POLICY_EXTENSION} files contain no policies, so every request would be denied` });
  }
  if (problems.length > 0) throw new PolicyLoadError(problems);

  const cached = preparse(policies, schema, absoluteDir);
  return Object.freeze({
    dir: absoluteDir,
    schemaFile: schemaName,
    policies: Object.freeze(policies),
    policiesById: new Map(policies.map((policy) => [policy.id, policy])),
    warnings: Object.freeze(warnings),
    ...cached,
  });
}
