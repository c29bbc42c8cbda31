import { describe, expect, test } from "vitest";
import { applyFilters, filterOptions, NO_FILTERS } from "@/components/queue/queue-filters";
import { defaultExecutionWindow, effectDurationChoices, executionWindowChoices } from "@/components/review/decision-presets";
import { revealName } from "@/components/review/reveal";
import { describeRemaining, describeSeconds, isoDurationSeconds, toIsoDuration } from "@/components/ui/duration";
import { formatUtc, safeHref } from "@/components/ui/format";
import type { ActionView } from "@/lib/actions/read-action";
import { formatIsoDuration, parseIsoDuration } from "@/lib/time/duration";

describe("browser duration helpers", () => {
  test.each([60, 300, 900, 3600, 5400, 86_400, 90_061, 7 * 86_400])("agree with lib/time for %i seconds", (seconds) => {
    expect(toIsoDuration(seconds)).toBe(formatIsoDuration(seconds));
    expect(isoDurationSeconds(formatIsoDuration(seconds))).toBe(parseIsoDuration(formatIsoDuration(seconds)));
  });

  test.each(["", "P", "PT", "15M", "PT15X", "P1Y"])("reject %j", (text) => {
    expect(isoDurationSeconds(text)).toBeNull();
  });

  test.each([
    [45, "45 s"],
    [900, "15 min"],
    [5400, "1 h 30 min"],
    [86_400, "1 d"],
  ])("describe %i seconds as %s", (seconds, text) => {
    expect(describeSeconds(seconds)).toBe(text);
  });

  test.each([
    [-5_000, "0 min 00 s"],
    [65_000, "1 min 05 s"],
    [3_725_000, "1 h 2 min"],
    [90_000_000, "1 d 1 h"],
  ])("describe %i ms remaining as %s", (milliseconds, text) => {
    expect(describeRemaining(milliseconds)).toBe(text);
  });
});

describe("formatUtc", () => {
  test("prints seconds precision in UTC", () => {
    expect(formatUtc("2026-03-01T10:05:07.123+02:00")).toBe("2026-03-01 08:05:07 UTC");
  });

  test("returns text that is not a timestamp unchanged", () => {
    expect(formatUtc("soon")).toBe("soon");
  });
});

describe("safeHref", () => {
  test.each([
    ["https://siem.example.com/a?b=1", "https://siem.example.com/a?b=1"],
    ["http://ticket.example.com/", "http://ticket.example.com/"],
    ["javascript:alert(1)", null],
    ["JAVASCRIPT:alert(1)", null],
    [" javascript:alert(1)", null],
    ["data:text/html,<script>", null],
    ["/relative", null],
    [42, null],
  ])("maps %j to %j", (input, expected) => {
    expect(safeHref(input)).toBe(expected);
  });
});

describe("executionWindowChoices", () => {
  test("offers every preset under a one hour maximum", () => {
    expect(executionWindowChoices(3600).map((choice) => choice.label)).toEqual(["5 min", "15 min", "1 h"]);
  });

  test("leaves out presets above the maximum", () => {
    expect(executionWindowChoices(900).map((choice) => choice.seconds)).toEqual([300, 900]);
  });

  test("offers the maximum when every preset exceeds it", () => {
    expect(executionWindowChoices(120)).toEqual([{ seconds: 120, label: "2 min" }]);
  });

  test("defaults to 15 minutes, else the longest choice", () => {
    expect(defaultExecutionWindow(executionWindowChoices(3600))).toBe(900);
    expect(defaultExecutionWindow(executionWindowChoices(600))).toBe(300);
  });
});

describe("effectDurationChoices", () => {
  test("starts with no revert when the proposal set none", () => {
    const choices = effectDurationChoices(null, 7 * 86_400);

    expect(choices.map((choice) => choice.seconds)).toEqual([null, 3600, 14_400, 86_400]);
    expect(choices.map((choice) => choice.label)).toEqual(["None: the change stays until someone reverts it", "1 h", "4 h", "24 h"]);
  });

  test("keeps the proposal's duration once and caps at the maximum", () => {
    const choices = effectDurationChoices(14_400, 14_400);

    expect(choices.map((choice) => choice.seconds)).toEqual([null, 3600]);
    expect(choices.map((choice) => choice.label)).toEqual(["As proposed: 4 h", "1 h"]);
  });
});

describe("revealName", () => {
  test("marks invisible and bidi characters by code point", () => {
    expect(revealName("adm\u200Bin\u202E")).toEqual([
      { kind: "text", text: "adm" },
      { kind: "hidden", codePoint: "U+200B" },
      { kind: "text", text: "in" },
      { kind: "hidden", codePoint: "U+202E" },
    ]);
  });

  test("marks a Cyrillic look-alike letter", () => {
    expect(revealName("\u0430dmin")).toEqual([
      { kind: "non_ascii", text: "\u0430", codePoint: "U+0430" },
      { kind: "text", text: "dmin" },
    ]);
  });

  test("marks astral characters by their full code point", () => {
    expect(revealName("x\u{E0041}")).toEqual([
      { kind: "text", text: "x" },
      { kind: "hidden", codePoint: "U+E0041" },
    ]);
  });
});

function queued(id: string, deadline: string, overrides: Partial<ActionView> = {}): ActionView {
  return {
    id,
    risk: "high",
    kind: "disable_account",
    incidentId: "i-1",
    incident: { id: "i-1", externalId: "INC-1", title: "Leak", severity: "high" },
    target: { domain: "pg", domainKind: "postgresql", identity: id, resource: null, displayName: id, nameFlags: [] },
    clocks: { decisionDeadline: deadline, executionWindow: null, maxExecutionWindow: "PT1H", effectDuration: null, effectEndsAt: null },
    ...overrides,
  } as ActionView;
}

describe("queue filters", () => {
  const items = [
    queued("b", "2026-03-01T10:20:00.000Z"),
    queued("a", "2026-03-01T10:10:00.000Z", { risk: "critical", kind: "quarantine_workload" }),
    queued("c", "2026-03-01T10:30:00.000Z", { target: { domain: "scim", domainKind: "scim", identity: "c", resource: null, displayName: "c", nameFlags: [] } }),
  ];

  test("sorts by decision deadline without filters", () => {
    expect(applyFilters(items, NO_FILTERS).map((item) => item.id)).toEqual(["a", "b", "c"]);
  });

  test.each([
    [{ risk: "high" }, ["b", "c"]],
    [{ kind: "quarantine_workload" }, ["a"]],
    [{ domain: "scim" }, ["c"]],
    [{ incident: "i-2" }, []],
    [{ risk: "high", domain: "pg" }, ["b"]],
  ])("applies %j", (filters, expected) => {
    expect(applyFilters(items, { ...NO_FILTERS, ...filters }).map((item) => item.id)).toEqual(expected);
  });

  test("offers options present in the data and keeps a stale selection", () => {
    const options = filterOptions(items, { ...NO_FILTERS, domain: "gone" }, { kind: (kind) => kind.toUpperCase() });

    expect(options.risk.map((option) => option.value)).toEqual(["critical", "high"]);
    expect(options.kind.map((option) => option.label)).toEqual(["DISABLE_ACCOUNT", "QUARANTINE_WORKLOAD"]);
    expect(options.domain.map((option) => option.value)).toEqual(["pg", "scim", "gone"]);
    expect(options.incident).toEqual([{ value: "i-1", label: "INC-1: Leak" }]);
  });
});
