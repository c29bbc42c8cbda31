import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, test } from "vitest";
import { z, type ZodError } from "zod";
import { ZCancelActionBody, ZProposeActionBody } from "@/lib/actions/schemas";
import { jsonPointer, toProblem, zodErrors } from "./problem";

const BLNS: string[] = [...new Set(JSON.parse(readFileSync(path.resolve(import.meta.dirname, "../../tests/fixtures/naughty-strings/blns.json"), "utf8")) as string[])];

const ZTargetOnly = z.object({ target: z.object({ domain: z.string() }).strict() }).strict();

/** Parses `body` after a JSON round trip, as the API receives it, and returns the zod error. */
function failure(schema: z.ZodType, body: unknown): ZodError {
  const result = schema.safeParse(JSON.parse(JSON.stringify(body)));
  if (result.success) throw new Error(`${JSON.stringify(body)} was accepted`);
  return result.error;
}

/** Resolves an RFC 6901 pointer written independently of `jsonPointer`: split, then `~1` → `/` and `~0` → `~`. */
function resolve(document: unknown, pointer: string): { found: boolean; value?: unknown } {
  if (pointer === "") return { found: true, value: document };
  if (!pointer.startsWith("/")) return { found: false };
  let node: unknown = document;
  for (const token of pointer.slice(1).split("/")) {
    const key = token.replaceAll("~1", "/").replaceAll("~0", "~");
    if (node === null || typeof node !== "object" || !Object.hasOwn(node, key)) return { found: false };
    node = (node as Record<string, unknown>)[key];
  }
  return { found: true, value: node };
}

describe("jsonPointer", () => {
  test.each([
    { path: [], pointer: "" },
    { path: ["target", "identity"], pointer: "/target/identity" },
    { path: ["evidence", 0, "title"], pointer: "/evidence/0/title" },
    { path: ["a/b"], pointer: "/a~1b" },
    { path: ["m~n"], pointer: "/m~0n" },
    { path: ["~1"], pointer: "/~01" },
    { path: ["/~"], pointer: "/~1~0" },
    { path: [""], pointer: "/" },
    { path: ["", ""], pointer: "//" },
  ])("jsonPointer of $path", ({ path: parts, pointer }) => {
    expect(jsonPointer(parts)).toBe(pointer);
  });
});

describe("zodErrors", () => {
  test("points at an unknown key of the body", () => {
    const errors = zodErrors(failure(ZCancelActionBody, { reason: "duplicate", force: true }));

    expect(errors).toEqual([{ pointer: "/force", message: 'Unrecognized key: "force"' }]);
  });

  test("points at an unknown key of a nested object", () => {
    const errors = zodErrors(failure(ZTargetOnly, { target: { domain: "corp", extra: 1 } }));

    expect(errors).toEqual([{ pointer: "/target/extra", message: 'Unrecognized key: "extra"' }]);
  });

  test("points at an unknown key inside an array item", () => {
    const body = { kind: "disable_account", target: { domain: "corp", identity: "r" }, incidentId: "0b7f4c1e-8d2a-4f5b-9c3d-2e1f0a9b8c7d", justification: "j", evidence: [{ title: "a" }, { title: "b", severity: 3 }] };

    const errors = zodErrors(failure(ZProposeActionBody, body));

    expect(errors).toEqual([{ pointer: "/evidence/1/severity", message: 'Unrecognized key: "severity"' }]);
  });

  test("lists each unknown key of one object on its own", () => {
    const errors = zodErrors(failure(ZTargetOnly, { target: { domain: "corp", owner: "x", priority: 2 } }));

    expect(errors).toEqual([
      { pointer: "/target/owner", message: 'Unrecognized key: "owner"' },
      { pointer: "/target/priority", message: 'Unrecognized key: "priority"' },
    ]);
  });

  test("escapes ~ and / in unknown keys", () => {
    const target = { domain: "corp", "a/b": 1, "m~n": 2, "~1": 3, "": 4, "../..": 5 };

    const errors = zodErrors(failure(ZTargetOnly, { target }));

    expect(errors).toEqual([
      { pointer: "/target/a~1b", message: 'Unrecognized key: "a/b"' },
      { pointer: "/target/m~0n", message: 'Unrecognized key: "m~n"' },
      { pointer: "/target/~01", message: 'Unrecognized key: "~1"' },
      { pointer: "/target/", message: 'Unrecognized key: ""' },
      { pointer: "/target/..~1..", message: 'Unrecognized key: "../.."' },
    ]);
  });

  test("puts the prefix before each pointer", () => {
    const errors = zodErrors(failure(ZTargetOnly, { target: { domain: 7, "x/y": true } }), "/events/3");

    expect(errors).toEqual([
      { pointer: "/events/3/target/domain", message: "Invalid input: expected string, received number" },
      { pointer: "/events/3/target/x~1y", message: 'Unrecognized key: "x/y"' },
    ]);
  });

  test("gives the whole document the empty pointer", () => {
    const errors = zodErrors(failure(ZCancelActionBody, ["reason"]));

    expect(errors).toEqual([{ pointer: "", message: "Invalid input: expected object, received array" }]);
  });

  test("points at every naughty string used as an unknown key", () => {
    const target: Record<string, unknown> = { domain: "corp" };
    BLNS.forEach((key, index) => {
      if (key !== "domain") target[key] = index;
    });
    const body = JSON.parse(JSON.stringify({ target })) as { target: Record<string, unknown> };
    const keys = Object.keys(body.target).filter((key) => key !== "domain");

    const errors = zodErrors(failure(ZTargetOnly, body));

    expect(errors).toHaveLength(keys.length);
    expect(new Set(errors.map((error) => error.pointer)).size).toBe(keys.length);
    for (const [index, error] of errors.entries()) {
      const key = keys[index]!;
      expect(error.message, key).toBe(`Unrecognized key: ${JSON.stringify(key)}`);
      expect(error.pointer.startsWith("/target/"), error.pointer).toBe(true);
      expect(resolve(body, error.pointer), error.pointer).toEqual({ found: true, value: body.target[key] });
    }
  });
});

describe("toProblem", () => {
  test("names the first unknown member in the detail", () => {
    const problem = toProblem(failure(ZTargetOnly, { target: { domain: "corp", "a/b": 1 } }), "req-1", "/api/v1/actions");

    expect(problem).toMatchObject({ status: 422, code: "validation_failed", detail: '/target/a~1b: Unrecognized key: "a/b"', errors: [{ pointer: "/target/a~1b", message: 'Unrecognized key: "a/b"' }] });
  });

  test("leaves the empty pointer out of the detail", () => {
    const problem = toProblem(failure(ZCancelActionBody, "stop"), "req-1", "/api/v1/actions/x/cancel");

    expect(problem.detail).toBe("Invalid input: expected object, received string");
    expect(problem.errors).toEqual([{ pointer: "", message: "Invalid input: expected object, received string" }]);
  });
});
