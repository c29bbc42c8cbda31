import { copyFile, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";

import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { ACTION_CATALOGUE, ACTION_KINDS, type ActionKind } from "@/lib/actions/catalogue";

import {
  DEFAULT_POLICY_DIR_NAME,
  PolicyLoadError,
  evaluatePolicy,
  loadPolicySet,
  policySetSummary,
  type PolicyContext,
  type PolicyDecision,
  type PolicyOperation,
  type PolicyPrincipal,
  type PolicyRequest,
  type PolicyResource,
  type PolicySet,
} from "./engine";

const REPO_ROOT = path.resolve(__dirname, "../..");
const POLICY_DIR = path.join(REPO_ROOT, DEFAULT_POLICY_DIR_NAME);
const NAUGHTY_STRINGS_FILE = path.join(REPO_ROOT, "tests/fixtures/naughty-strings/blns.json");

const soarWorkload = {
  type: "workload",
  id: "wl-soar",
  owner: "owner@example.com",
  allowedKinds: ["revoke_token", "disable_account", "quarantine_workload"],
  allowedDomains: ["oauth-main", "pg-prod"],
} as const satisfies PolicyPrincipal;
const approver = { type: "person", id: "p-ann", email: "ann@example.com", roles: ["approver"] } as const satisfies PolicyPrincipal;
const analyst = { type: "person", id: "p-bo", email: "bo@example.com", roles: ["analyst"] } as const satisfies PolicyPrincipal;
const admin = { type: "person", id: "p-cy", email: "cy@example.com", roles: ["admin"] } as const satisfies PolicyPrincipal;
const noRoles = { type: "person", id: "p-di", email: "di@example.com", roles: [] } as const satisfies PolicyPrincipal;
const executor = { type: "system" } as const satisfies PolicyPrincipal;

function resourceFor(kind: ActionKind, domain = "oauth-main"): PolicyResource {
  const spec = ACTION_CATALOGUE[kind];
  return { actionId: "act-1", kind, risk: spec.risk, domain, incidentSeverity: "high", reversible: spec.reversible };
}

function request(
  principal: PolicyPrincipal,
  operation: PolicyOperation,
  resource: PolicyResource,
  context: Partial<PolicyContext> = {},
): PolicyRequest {
  return {
    principal,
    operation,
    resource,
    context: { isProposer: false, ownsProposingWorkload: false, requestedExecutionWindowSeconds: 0, ...context },
  };
}

let policies: PolicySet;
const tempDirs: string[] = [];

/** Copies the default policies and schema into a fresh temp folder and adds `extraFiles`. */
async function policyDirWith(extraFiles: Record<string, string>, options: { withDefaults?: boolean } = {}): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "cordon-policy-"));
  tempDirs.push(dir);
  await copyFile(path.join(POLICY_DIR, "schema.cedarschema"), path.join(dir, "schema.cedarschema"));
  if (options.withDefaults !== false) await copyFile(path.join(POLICY_DIR, "default.cedar"), path.join(dir, "default.cedar"));
  for (const [name, text] of Object.entries(extraFiles)) await writeFile(path.join(dir, name), text);
  return dir;
}

async function loadError(dir: string): Promise<PolicyLoadError> {
  const error = await loadPolicySet(dir).then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(PolicyLoadError);
  return error as PolicyLoadError;
}

beforeAll(async () => {
  policies = await loadPolicySet(POLICY_DIR);
});

afterAll(async () => {
  await Promise.all(tempDirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

interface DecisionCase {
  name: string;
  request: PolicyRequest;
  effect: PolicyDecision["effect"];
  determiningPolicies: string[];
  requiredApprovals?: number;
  maxExecutionWindowSeconds?: number;
  flags?: string[];
}

const decisionCases: DecisionCase[] = [
  {
    name: "workload proposes an in-scope kind and domain",
    request: request(soarWorkload, "propose", resourceFor("revoke_token")),
    effect: "allow",
    determiningPolicies: ["workload-may-propose"],
    requiredApprovals: 1,
    maxExecutionWindowSeconds: ACTION_CATALOGUE.revoke_token.maxExecutionWindowSeconds,
  },
  {
    name: "workload proposes a kind outside its allowed kinds",
    request: request(soarWorkload, "propose", resourceFor("rotate_credential")),
    effect: "deny",
    determiningPolicies: ["workload-kind-out-of-scope"],
  },
  {
    name: "workload proposes against a domain outside its allowed domains",
    request: request(soarWorkload, "propose", resourceFor("revoke_token", "ldap-corp")),
    effect: "deny",
    determiningPolicies: ["workload-domain-out-of-scope"],
  },
  {
    name: "workload proposes a kind and a domain both out of scope",
    request: request(soarWorkload, "propose", resourceFor("rotate_credential", "ldap-corp")),
    effect: "deny",
    determiningPolicies: ["workload-kind-out-of-scope", "workload-domain-out-of-scope"],
  },
  {
    name: "workload proposes a critical action",
    request: request(soarWorkload, "propose", resourceFor("quarantine_workload")),
    effect: "allow",
    determiningPolicies: ["workload-may-propose", "critical-proposal-needs-two-approvers"],
    requiredApprovals: 2,
    maxExecutionWindowSeconds: 900,
  },
  {
    name: "analyst proposes",
    request: request(analyst, "propose", resourceFor("disable_account", "any-domain")),
    effect: "allow",
    determiningPolicies: ["person-may-propose"],
    requiredApprovals: 1,
  },
  {
    name: "person without a role proposes",
    request: request(noRoles, "propose", resourceFor("revoke_token")),
    effect: "deny",
    determiningPolicies: [],
  },
  {
    name: "approver approves a non-critical action",
    request: request(approver, "approve", resourceFor("disable_account"), { requestedExecutionWindowSeconds: 900 }),
    effect: "allow",
    determiningPolicies: ["approver-may-decide"],
    requiredApprovals: 1,
    maxExecutionWindowSeconds: ACTION_CATALOGUE.disable_account.maxExecutionWindowSeconds,
  },
  {
    name: "approver approves a critical action",
    request: request(approver, "approve", resourceFor("quarantine_workload"), { requestedExecutionWindowSeconds: 600 }),
    effect: "allow",
    determiningPolicies: ["approver-may-decide", "critical-needs-two-approvers"],
    requiredApprovals: 2,
    maxExecutionWindowSeconds: 900,
  },
  {
    name: "approver approves their own proposal",
    request: request(approver, "approve", resourceFor("disable_account"), { isProposer: true }),
    effect: "deny",
    determiningPolicies: ["no-self-approval"],
  },
  {
    name: "approver rejects their own proposal",
    request: request(approver, "reject", resourceFor("disable_account"), { isProposer: true }),
    effect: "deny",
    determiningPolicies: ["no-self-approval"],
  },
  {
    name: "owner of the proposing workload approves",
    request: request(approver, "approve", resourceFor("disable_account"), { ownsProposingWorkload: true }),
    effect: "deny",
    determiningPolicies: ["workload-owner-is-not-independent"],
  },
  {
    name: "owner of the proposing workload rejects",
    request: request(approver, "reject", resourceFor("disable_account"), { ownsProposingWorkload: true }),
    effect: "allow",
    determiningPolicies: ["approver-may-decide"],
  },
  {
    name: "analyst approves",
    request: request(analyst, "approve", resourceFor("revoke_token")),
    effect: "deny",
    determiningPolicies: ["decision-requires-approver-role"],
  },
  {
    name: "analyst rejects",
    request: request(analyst, "reject", resourceFor("revoke_token")),
    effect: "deny",
    determiningPolicies: ["decision-requires-approver-role"],
  },
  {
    name: "admin without the approver role approves",
    request: request(admin, "approve", resourceFor("revoke_token")),
    effect: "deny",
    determiningPolicies: ["decision-requires-approver-role"],
  },
  {
    name: "approver requests a window above the critical maximum",
    request: request(approver, "approve", resourceFor("quarantine_workload"), { requestedExecutionWindowSeconds: 901 }),
    effect: "deny",
    determiningPolicies: ["approver-may-decide", "critical-needs-two-approvers"],
  },
  {
    name: "approver requests a window above the catalogue maximum",
    request: request(approver, "approve", resourceFor("revoke_token"), { requestedExecutionWindowSeconds: 3601 }),
    effect: "deny",
    determiningPolicies: ["approver-may-decide"],
  },
  {
    name: "executor executes an action",
    request: request(executor, "execute", resourceFor("disable_account", "pg-prod")),
    effect: "allow",
    determiningPolicies: ["executor-may-execute"],
  },
  {
    name: "admin uses break-glass",
    request: request(admin, "break_glass", resourceFor("disable_account")),
    effect: "allow",
    determiningPolicies: ["admin-may-break-glass"],
    maxExecutionWindowSeconds: 900,
    flags: ["break_glass"],
  },
  {
    name: "approver without the admin role uses break-glass",
    request: request(approver, "break_glass", resourceFor("disable_account")),
    effect: "deny",
    determiningPolicies: ["break-glass-requires-admin"],
  },
];

describe("evaluatePolicy with the default policies", () => {
  it.each(decisionCases)("$name", (testCase) => {
    const decision = evaluatePolicy(policies, testCase.request);

    expect(decision.errors).toEqual([]);
    expect(decision.effect).toBe(testCase.effect);
    expect(decision.determiningPolicies).toEqual(testCase.determiningPolicies);
    expect(decision.reasons.length).toBeGreaterThan(0);
    if (testCase.requiredApprovals !== undefined) expect(decision.requiredApprovals).toBe(testCase.requiredApprovals);
    if (testCase.maxExecutionWindowSeconds !== undefined) {
      expect(decision.maxExecutionWindowSeconds).toBe(testCase.maxExecutionWindowSeconds);
    }
    if (testCase.flags !== undefined) expect(decision.flags).toEqual(testCase.flags);
  });

  it.each(ACTION_KINDS)("approving %s needs two only if critical", (kind) => {
    const decision = evaluatePolicy(policies, request(approver, "approve", resourceFor(kind)));

    expect(decision.effect).toBe("allow");
    expect(decision.requiredApprovals).toBe(ACTION_CATALOGUE[kind].risk === "critical" ? 2 : 1);
    expect(decision.maxExecutionWindowSeconds).toBeLessThanOrEqual(ACTION_CATALOGUE[kind].maxExecutionWindowSeconds);
  });

  it("quotes the denying forbid's description", () => {
    const decision = evaluatePolicy(policies, request(approver, "approve", resourceFor("disable_account"), { isProposer: true }));

    expect(decision.reasons).toEqual(['Denied by policy "no-self-approval": Nobody may approve or reject an action they proposed.']);
  });

  it("explains a deny without a permit", () => {
    const decision = evaluatePolicy(policies, request(noRoles, "propose", resourceFor("revoke_token")));

    expect(decision.reasons).toEqual(["No permit policy allows a person to propose this action."]);
    expect(decision.maxExecutionWindowSeconds).toBe(0);
  });

  it("explains a window above the maximum", () => {
    const decision = evaluatePolicy(policies, request(approver, "approve", resourceFor("quarantine_workload"), { requestedExecutionWindowSeconds: 1200 }));

    expect(decision.reasons).toEqual(["The requested execution window of 1200 seconds exceeds the maximum of 900 seconds for this action."]);
  });

  it("denies a kind outside the catalogue", () => {
    const resource = { ...resourceFor("revoke_token"), kind: "delete_everything" };
    const decision = evaluatePolicy(policies, request(approver, "approve", resource));

    expect(decision.effect).toBe("deny");
    expect(decision.reasons).toEqual(['Action kind "delete_everything" is not in the action catalogue.']);
  });

  it("denies execute by a person", () => {
    const decision = evaluatePolicy(policies, request(analyst, "execute", resourceFor("revoke_token")));

    expect(decision.effect).toBe("deny");
    expect(decision.errors.join(" ")).toMatch(/principal type `Cordon::Person` is not valid/);
  });

  it("denies a context without isProposer", () => {
    const incomplete = request(approver, "approve", resourceFor("revoke_token"));
    const { isProposer: _omitted, ...context } = incomplete.context;
    const decision = evaluatePolicy(policies, { ...incomplete, context } as unknown as PolicyRequest);

    expect(decision.effect).toBe("deny");
    expect(decision.errors).toEqual(["context.isProposer: Invalid input: expected boolean, received undefined"]);
  });

  it("denies a request with a fractional window", () => {
    const decision = evaluatePolicy(policies, request(approver, "approve", resourceFor("revoke_token"), { requestedExecutionWindowSeconds: 1.5 }));

    expect(decision.effect).toBe("deny");
    expect(decision.errors).toHaveLength(1);
  });

  it("denies an uncached Cedar policy set", () => {
    const orphan: PolicySet = { ...policies, cedarPolicySetId: "cordon-policies-never-loaded" };
    const decision = evaluatePolicy(orphan, request(executor, "execute", resourceFor("revoke_token")));

    expect(decision.effect).toBe("deny");
    expect(decision.errors.join(" ")).toMatch(/not found/);
  });
});

describe("evaluatePolicy with added policy files", () => {
  it("denies execution after a domain forbid", async () => {
    const frozenDomain = `@id("freeze-pg-prod")
@description("pg-prod is frozen during the migration.")
forbid (principal, action, resource) when { resource.domain == "pg-prod" };
`;
    const frozen = await loadPolicySet(await policyDirWith({ "freeze.cedar": frozenDomain }));
    const execute = request(executor, "execute", resourceFor("disable_account", "pg-prod"));

    expect(evaluatePolicy(policies, execute).effect).toBe("allow");
    const decision = evaluatePolicy(frozen, execute);
    expect(decision.effect).toBe("deny");
    expect(decision.determiningPolicies).toEqual(["freeze-pg-prod"]);
    expect(decision.reasons).toEqual(['Denied by policy "freeze-pg-prod": pg-prod is frozen during the migration.']);
    expect(evaluatePolicy(frozen, request(executor, "execute", resourceFor("disable_account", "oauth-main"))).effect).toBe("allow");
  });

  it("denies execution after a kind forbid", async () => {
    const noRotation = `@id("no-rotation") forbid (principal, action == Cordon::Action::"execute", resource) when { resource.kind == "rotate_credential" };`;
    const restricted = await loadPolicySet(await policyDirWith({ "no-rotation.cedar": noRotation }));

    const decision = evaluatePolicy(restricted, request(executor, "execute", resourceFor("rotate_credential")));
    expect(decision.effect).toBe("deny");
    expect(decision.determiningPolicies).toEqual(["no-rotation"]);
  });

  it("combines approvals and windows over permits", async () => {
    const stricter = `@id("high-risk-three-approvers")
@required_approvals("3")
@max_execution_window_seconds("120")
permit (principal is Cordon::Person, action == Cordon::Action::"approve", resource)
when { principal.roles.contains("approver") && resource.risk == "high" };
`;
    const strictSet = await loadPolicySet(await policyDirWith({ "stricter.cedar": stricter }));

    const decision = evaluatePolicy(strictSet, request(approver, "approve", resourceFor("disable_account")));
    expect(decision.effect).toBe("allow");
    expect(decision.determiningPolicies).toEqual(["approver-may-decide", "high-risk-three-approvers"]);
    expect(decision.requiredApprovals).toBe(3);
    expect(decision.maxExecutionWindowSeconds).toBe(120);
  });

  it("cannot lift a guardrail with an extra permit", async () => {
    const loosened = `@id("analysts-may-approve-low") permit (principal is Cordon::Person, action == Cordon::Action::"approve", resource) when { principal.roles.contains("analyst") };`;
    const loosenedSet = await loadPolicySet(await policyDirWith({ "loosened.cedar": loosened }));

    const decision = evaluatePolicy(loosenedSet, request(analyst, "approve", resourceFor("revoke_token")));
    expect(decision.effect).toBe("deny");
    expect(decision.determiningPolicies).toEqual(["decision-requires-approver-role"]);
  });

  it("denies when a forbid fails to evaluate", async () => {
    // Long multiplication overflows at 2^63; Cedar then skips the forbid, which must not allow.
    const overflowing = `@id("overflowing-forbid") forbid (principal, action, resource) when { context.requestedExecutionWindowSeconds * 10000000000 > 5 };`;
    const overflowSet = await loadPolicySet(await policyDirWith({ "overflow.cedar": overflowing }));

    const decision = evaluatePolicy(overflowSet, request(approver, "reject", resourceFor("revoke_token"), { requestedExecutionWindowSeconds: 2 ** 31 - 1 }));
    expect(decision.effect).toBe("deny");
    expect(decision.errors).toHaveLength(1);
    expect(decision.errors[0]).toMatch(/^policy "overflowing-forbid" failed to evaluate: .*overflow/);
  });
});

describe("loadPolicySet errors", () => {
  it("names file, line and column of a syntax error", async () => {
    const broken = `@id("fine") permit (principal, action, resource);

@id("broken")
permit (principal, action, resource) when { resource.domain == };
`;
    const dir = await policyDirWith({ "broken.cedar": broken });
    const error = await loadError(dir);

    expect(error.message).toMatch(new RegExp(`^${escapeRegExp(path.join(dir, "broken.cedar"))}:4:\\d+: \\S`));
    expect(error.message).not.toContain("\n");
    expect(error.problems[0]?.line).toBe(4);
  });

  it("counts lines after multi-byte characters", async () => {
    const text = `// Zürich – 東京 ✓\n@id("x") permit (principal, action, resource) when { resource.nope == "é" };\n`;
    const dir = await policyDirWith({ "unicode.cedar": text }, { withDefaults: false });
    const error = await loadError(dir);

    expect(error.problems[0]).toMatchObject({ line: 2, column: 54 });
  });

  it("names file and line of an unknown attribute", async () => {
    const unknownAttribute = `@id("ok") forbid (principal, action, resource) when { resource.domain == "x" };
@id("bad-attribute")
forbid (principal, action, resource)
when { resource.owner == "x" };
`;
    const dir = await policyDirWith({ "attribute.cedar": unknownAttribute });
    const error = await loadError(dir);

    expect(error.message).toMatch(new RegExp(`^${escapeRegExp(path.join(dir, "attribute.cedar"))}:4:8: attribute \`owner\` on entity type \`Cordon::ContainmentAction\` not found`));
    expect(error.message).not.toContain("\n");
  });

  it("names file and line of an unknown entity type", async () => {
    const unknownType = `\n\n@id("ghost") permit (principal is Cordon::Ghost, action, resource);\n`;
    const dir = await policyDirWith({ "ghost.cedar": unknownType });
    const error = await loadError(dir);

    expect(error.message).toMatch(new RegExp(`^${escapeRegExp(path.join(dir, "ghost.cedar"))}:3:\\d+: unrecognized entity type \`Cordon::Ghost\``));
  });

  it("names file and line of a schema syntax error", async () => {
    const dir = await policyDirWith({});
    await writeFile(path.join(dir, "schema.cedarschema"), "namespace Cordon {\n  entity Workload = { owner: String,, };\n}\n");
    const error = await loadError(dir);

    expect(error.message).toMatch(new RegExp(`^${escapeRegExp(path.join(dir, "schema.cedarschema"))}:2:\\d+: `));
  });

  it.each([
    { name: "missing @id", text: `permit (principal, action, resource);`, message: /missing @id annotation/ },
    { name: "misspelt annotation", text: `@id("a") @required_approval("2") permit (principal, action, resource);`, message: /unknown annotation @required_approval\. / },
    { name: "approvals on a forbid", text: `@id("a") @required_approvals("2") forbid (principal, action, resource);`, message: /@required_approvals is allowed only on permit policies/ },
    { name: "non-numeric approvals", text: `@id("a") @required_approvals("two") permit (principal, action, resource);`, message: /invalid @required_approvals "two"/ },
    { name: "zero window", text: `@id("a") @max_execution_window_seconds("0") permit (principal, action, resource);`, message: /invalid @max_execution_window_seconds "0"/ },
    { name: "invalid id", text: `@id("has space") permit (principal, action, resource);`, message: /invalid @id "has space"/ },
    { name: "template", text: `@id("t") permit (principal == ?principal, action, resource);`, message: /templates .* are not supported/ },
  ])("rejects a policy with $name", async ({ text, message }) => {
    const dir = await policyDirWith({ "extra.cedar": `\n${text}\n` });
    const error = await loadError(dir);

    expect(error.message).toMatch(new RegExp(`^${escapeRegExp(path.join(dir, "extra.cedar"))}:2:1: `));
    expect(error.message).toMatch(message);
  });

  it("rejects an @id used in two files", async () => {
    const dir = await policyDirWith({ "extra.cedar": `@id("no-self-approval") forbid (principal, action, resource);` });
    const error = await loadError(dir);

    expect(error.message).toBe(
      `${path.join(dir, "extra.cedar")}:1:1: duplicate @id "no-self-approval", already used at default.cedar:104. Policy ids must be unique across the folder`,
    );
  });

  it("rejects a folder without a schema", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "cordon-policy-"));
    tempDirs.push(dir);
    await copyFile(path.join(POLICY_DIR, "default.cedar"), path.join(dir, "default.cedar"));
    const error = await loadError(dir);

    expect(error.message).toBe(`${dir}: missing the .cedarschema file that the policies are validated against`);
  });

  it("rejects a folder without policies", async () => {
    const dir = await policyDirWith({ "empty.cedar": "// nothing yet\n" }, { withDefaults: false });
    const error = await loadError(dir);

    expect(error.message).toMatch(/contain no policies/);
  });

  it("rejects a missing folder", async () => {
    const missing = path.join(os.tmpdir(), "cordon-policy-does-not-exist");
    const error = await loadError(missing);

    expect(error.message).toMatch(new RegExp(`^${escapeRegExp(missing)}: cannot read the policy folder \\(ENOENT`));
  });
});

describe("policySetSummary", () => {
  it("lists every default policy with its source", async () => {
    const text = await readFile(path.join(POLICY_DIR, "default.cedar"), "utf8");
    const summary = policySetSummary(policies);

    expect(summary.map((policy) => policy.id)).toEqual([
      "workload-may-propose",
      "person-may-propose",
      "workload-kind-out-of-scope",
      "workload-domain-out-of-scope",
      "critical-proposal-needs-two-approvers",
      "approver-may-decide",
      "critical-needs-two-approvers",
      "decision-requires-approver-role",
      "no-self-approval",
      "workload-owner-is-not-independent",
      "executor-may-execute",
      "admin-may-break-glass",
      "break-glass-requires-admin",
    ]);
    for (const policy of summary) {
      expect(policy.file).toBe("default.cedar");
      expect(policy.source.startsWith(`@id("${policy.id}")`)).toBe(true);
      expect(text.split("\n")[policy.line - 1]).toBe(`@id("${policy.id}")`);
      expect(policy.effect).toBe(policy.source.includes("\nforbid") ? "forbid" : "permit");
    }
    expect(policies.warnings).toEqual([]);
  });
});

describe("evaluatePolicy with naughty strings", () => {
  let naughty: string[];

  beforeAll(async () => {
    const corpus = JSON.parse(await readFile(NAUGHTY_STRINGS_FILE, "utf8")) as unknown;
    expect(Array.isArray(corpus)).toBe(true);
    // Add names that collide with JavaScript object internals or differ from a kind by one character.
    naughty = [...(corpus as string[]), "__proto__", "constructor", "toString", "revoke_token ", "Revoke_Token", "revoke_token\u0000"];
  });

  it("denies every naughty kind", () => {
    for (const kind of naughty) {
      const decision = evaluatePolicy(policies, request(soarWorkload, "propose", { ...resourceFor("revoke_token"), kind }));

      expect(decision.effect, JSON.stringify(kind)).toBe("deny");
    }
  });

  it("denies naughty out-of-scope domains", () => {
    for (const domain of naughty) {
      const decision = evaluatePolicy(policies, request(soarWorkload, "propose", resourceFor("revoke_token", domain)));

      expect(decision.effect, JSON.stringify(domain)).toBe("deny");
      expect(decision.determiningPolicies, JSON.stringify(domain)).toEqual(["workload-domain-out-of-scope"]);
    }
  });

  it("matches naughty domains exactly", () => {
    for (const domain of naughty) {
      const scoped = { ...soarWorkload, allowedDomains: [domain] };
      const decision = evaluatePolicy(policies, request(scoped, "propose", resourceFor("revoke_token", domain)));
      const neighbour = evaluatePolicy(policies, request(scoped, "propose", resourceFor("revoke_token", `${domain}x`)));

      expect(decision.effect, JSON.stringify(domain)).toBe("allow");
      expect(neighbour.effect, JSON.stringify(domain)).toBe("deny");
    }
  });

  it("evaluates naughty ids without throwing", () => {
    for (const id of naughty) {
      const workload = { ...soarWorkload, id, owner: id };
      const resource = { ...resourceFor("revoke_token"), actionId: id, incidentSeverity: id };
      const proposal = evaluatePolicy(policies, request(workload, "propose", resource));
      const approval = evaluatePolicy(policies, request({ ...approver, id, email: id }, "approve", resource));

      // Entity ids must be non-empty; the empty string is the one invalid id in the corpus.
      const expected = id.length > 0 ? "allow" : "deny";
      expect(proposal.effect, JSON.stringify(id)).toBe(expected);
      expect(approval.effect, JSON.stringify(id)).toBe(expected);
    }
  });
});

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
