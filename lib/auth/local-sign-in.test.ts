import pino from "pino";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createTestDatabase, type TestDatabase } from "@/tests/support/database";
import { unique } from "@/tests/support/factories";
import { FREE_FAILURES, lockSecondsAfter, signInWithPassword } from "./local-sign-in";
import { hashPassword } from "./password";

const logger = pino({ level: "silent" });
const PASSWORD = "correct horse battery staple";
let db: TestDatabase;

beforeAll(async () => {
  db = await createTestDatabase();
});

afterAll(async () => {
  await db.drop();
});

async function person(options: { disabled?: boolean } = {}) {
  return db.prisma.user.create({
    data: { email: `${unique("local")}@example.com`, displayName: "Local", roles: ["approver"], passwordHash: await hashPassword(PASSWORD), disabled: options.disabled ?? false },
  });
}

describe("signInWithPassword", () => {
  test("accepts the right password, case-insensitively on the email", async () => {
    const user = await person();

    const result = await signInWithPassword(db.prisma, user.email.toUpperCase(), PASSWORD, new Date(), logger);

    expect(result).toMatchObject({ ok: true, user: { id: user.id } });
  });

  test("stores an argon2id hash, never the password", async () => {
    const user = await person();

    expect(user.passwordHash).toMatch(/^\$argon2id\$/);
    expect(user.passwordHash).not.toContain(PASSWORD);
  });

  test("rejects a wrong password, an unknown email and a disabled account alike", async () => {
    const user = await person();
    const disabled = await person({ disabled: true });
    const now = new Date();

    expect(await signInWithPassword(db.prisma, user.email, "wrong password", now, logger)).toEqual({ ok: false, reason: "invalid" });
    expect(await signInWithPassword(db.prisma, "nobody@example.com", PASSWORD, now, logger)).toEqual({ ok: false, reason: "invalid" });
    expect(await signInWithPassword(db.prisma, disabled.email, PASSWORD, now, logger)).toEqual({ ok: false, reason: "invalid" });
  });

  test("locks the account after repeated failures, even for the right password", async () => {
    const user = await person();
    const now = new Date("2026-07-01T00:00:00Z");
    for (let attempt = 0; attempt < FREE_FAILURES; attempt += 1) await signInWithPassword(db.prisma, user.email, "wrong password", now, logger);

    const locked = await signInWithPassword(db.prisma, user.email, PASSWORD, new Date(now.getTime() + 1000), logger);
    const stored = await db.prisma.user.findUniqueOrThrow({ where: { id: user.id } });

    expect(locked).toEqual({ ok: false, reason: "locked" });
    expect(stored.failedSignIns).toBe(FREE_FAILURES);
    expect(stored.lockedUntil?.getTime()).toBe(now.getTime() + lockSecondsAfter(FREE_FAILURES) * 1000);
    expect(await db.prisma.auditEvent.count({ where: { eventType: "person.locked_out", actorId: user.id } })).toBe(1);
  });

  test("accepts the right password after the lock ends and resets the count", async () => {
    const user = await person();
    const now = new Date("2026-07-02T00:00:00Z");
    for (let attempt = 0; attempt < FREE_FAILURES; attempt += 1) await signInWithPassword(db.prisma, user.email, "wrong password", now, logger);

    const later = new Date(now.getTime() + lockSecondsAfter(FREE_FAILURES) * 1000 + 1);
    const result = await signInWithPassword(db.prisma, user.email, PASSWORD, later, logger);

    expect(result.ok).toBe(true);
    expect((await db.prisma.user.findUniqueOrThrow({ where: { id: user.id } })).failedSignIns).toBe(0);
  });
});

describe("lockSecondsAfter", () => {
  test.each([
    [FREE_FAILURES - 1, 0],
    [FREE_FAILURES, 30],
    [FREE_FAILURES + 1, 60],
    [FREE_FAILURES + 3, 240],
    [FREE_FAILURES + 20, 3600],
  ])("%i failures lock for %i s", (failures, seconds) => {
    expect(lockSecondsAfter(failures)).toBe(seconds);
  });
});
