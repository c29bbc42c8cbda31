import { describe, expect, test } from "vitest";
import type { ActionView } from "@/lib/actions/read-action";
import { credentialOffer } from "./credential-offer";
import type { ConsolePerson } from "./person";

const STARTED = "2026-03-01T10:00:00.000Z";
const FINISHED = "2026-03-01T10:00:02.000Z";
const MINUTE = 60_000;
const approver: ConsolePerson = { id: "u-approver", email: "ada@example.com", displayName: "Ada", roles: ["approver"] };

type Input = Parameters<typeof credentialOffer>[1];
type Execution = ActionView["executions"][number];

function execution(overrides: Partial<Execution> = {}): Execution {
  return {
    id: "e-1",
    operation: "apply",
    attempt: 1,
    status: "succeeded",
    outcome: "applied",
    detail: null,
    references: [],
    verified: true,
    verificationDetail: null,
    error: null,
    startedAt: STARTED,
    finishedAt: FINISHED,
    ...overrides,
  };
}

function approval(approverId: string, round: number, decision: "approve" | "reject" = "approve"): ActionView["approvals"][number] {
  return { id: `a-${approverId}-${round}`, decision, approver: { id: approverId, email: `${approverId}@example.com`, displayName: approverId }, reason: "", executionWindow: "PT15M", effectDuration: null, round, decidedAt: STARTED };
}

function action(overrides: Partial<Input> = {}): Input {
  return { kind: "rotate_credential", state: "succeeded", approvals: [approval(approver.id, 0)], executions: [execution()], ...overrides };
}

const now = Date.parse(FINISHED) + MINUTE;

describe("credentialOffer", () => {
  test("offers the reveal to the approver until start plus 10 minutes", () => {
    expect(credentialOffer(approver, action(), { now, round: 0, waiting: true })).toEqual({ kind: "available", revealBefore: "2026-03-01T10:10:00.000Z" });
  });

  test.each([
    ["another kind", approver, action({ kind: "disable_account" })],
    ["an action still executing", approver, action({ state: "executing" })],
    ["a failed action", approver, action({ state: "failed" })],
    ["an approver who did not approve", { ...approver, id: "u-other" }, action()],
    ["a person without the approver role", { ...approver, roles: ["analyst" as const] }, action()],
    ["an approval of an earlier round", approver, action({ approvals: [approval(approver.id, 0)] }), 1],
    ["an apply that found the change in effect", approver, action({ executions: [execution({ outcome: "already_in_effect" })] })],
    ["a revert only", approver, action({ executions: [execution({ operation: "revert" })] })],
  ])("offers nothing for %s", (_case, person, input, round = 0) => {
    expect(credentialOffer(person, input, { now, round, waiting: true })).toEqual({ kind: "none" });
  });

  test("reports the window closed 10 minutes after the finish", () => {
    const closed = Date.parse(FINISHED) + 10 * MINUTE;

    expect(credentialOffer(approver, action(), { now: closed - 1, round: 0, waiting: true }).kind).toBe("available");
    expect(credentialOffer(approver, action(), { now: closed, round: 0, waiting: true })).toEqual({ kind: "window_passed", rotatedAt: STARTED });
  });

  test("reports a credential an approver already viewed", () => {
    const closed = Date.parse(FINISHED) + 10 * MINUTE;

    expect(credentialOffer(approver, action(), { now, round: 0, waiting: false })).toEqual({ kind: "already_shown" });
    expect(credentialOffer(approver, action(), { now: closed, round: 0, waiting: false })).toEqual({ kind: "window_passed", rotatedAt: STARTED });
  });

  test("uses the last apply that set a password", () => {
    const executions = [execution({ id: "e-1", startedAt: STARTED }), execution({ id: "e-2", attempt: 2, outcome: "already_in_effect", startedAt: "2026-03-01T10:05:00.000Z", finishedAt: "2026-03-01T10:05:01.000Z" })];

    expect(credentialOffer(approver, action({ executions }), { now, round: 0, waiting: true })).toEqual({ kind: "available", revealBefore: "2026-03-01T10:10:00.000Z" });
  });
});
