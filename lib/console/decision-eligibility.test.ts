import { describe, expect, test } from "vitest";
import type { ActionView } from "@/lib/actions/read-action";
import { decisionEligibility } from "./decision-eligibility";
import type { ConsolePerson } from "./person";

const NOW = Date.parse("2026-03-01T10:00:00.000Z");
const approver: ConsolePerson = { id: "u-approver", email: "ada@example.com", displayName: "Ada", roles: ["approver"] };

type Input = Parameters<typeof decisionEligibility>[1];

function action(overrides: Partial<Input> = {}): Input {
  return {
    state: "pending",
    requestedBy: { type: "workload", id: "c-1", name: "soar", owner: "owner@example.com", floodFlagged: false },
    approvals: [],
    approvalsSoFar: 0,
    requiredApprovals: 1,
    clocks: { decisionDeadline: "2026-03-01T10:30:00.000Z", executionWindow: null, maxExecutionWindow: "PT1H", effectDuration: null, effectEndsAt: null },
    ...overrides,
  };
}

function approval(approverId: string, round: number, decision: "approve" | "reject" = "approve"): ActionView["approvals"][number] {
  return { id: `a-${approverId}-${round}`, decision, approver: { id: approverId, email: `${approverId}@example.com`, displayName: approverId }, reason: "", executionWindow: "PT15M", effectDuration: null, round, decidedAt: "2026-03-01T09:59:00.000Z" };
}

describe("decisionEligibility", () => {
  test("offers both controls to an independent approver", () => {
    expect(decisionEligibility(approver, action(), { now: NOW, round: 0 })).toEqual({ canApprove: true, canReject: true, explanation: null });
  });

  test.each([
    ["an analyst", { ...approver, roles: ["analyst" as const] }, action(), /approver role/],
    ["an admin without the approver role", { ...approver, roles: ["admin" as const] }, action(), /approver role/],
    ["the proposer", approver, action({ requestedBy: { type: "person", id: approver.id, name: "Ada", email: approver.email } }), /You proposed this action/],
    ["a decided action", approver, action({ state: "approved" }), /is already approved, so it takes no further decision/],
    ["a passed deadline", approver, action({ clocks: { ...action().clocks, decisionDeadline: "2026-03-01T10:00:00.000Z" } }), /Decision deadline has passed/],
  ])("offers no control to %s", (_case, person, input, explanation) => {
    const result = decisionEligibility(person, input, { now: NOW, round: 0 });

    expect(result.canApprove).toBe(false);
    expect(result.canReject).toBe(false);
    expect(result.explanation).toMatch(explanation);
  });

  test("lets the workload owner reject but not approve", () => {
    const result = decisionEligibility(approver, action({ requestedBy: { type: "workload", id: "c-1", name: "soar", owner: "ADA@example.com", floodFlagged: false } }), { now: NOW, round: 0 });

    expect(result.canApprove).toBe(false);
    expect(result.canReject).toBe(true);
    expect(result.explanation).toContain("You own the workload “soar”");
  });

  test("reports an approval already given in this round", () => {
    const result = decisionEligibility(approver, action({ approvals: [approval(approver.id, 0)], approvalsSoFar: 1, requiredApprovals: 2 }), { now: NOW, round: 0 });

    expect(result.canApprove).toBe(false);
    expect(result.explanation).toBe("You already approved this action. It needs 1 more approval from other approvers.");
  });

  test("offers a new decision after drift", () => {
    const result = decisionEligibility(approver, action({ approvals: [approval(approver.id, 0)] }), { now: NOW, round: 1 });

    expect(result).toEqual({ canApprove: true, canReject: true, explanation: null });
  });
});
