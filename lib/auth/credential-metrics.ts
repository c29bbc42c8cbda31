/** Counts of rejected credentials by kind and reason, since the process started. */
const rejections = new Map<string, number>();

export function countCredentialRejection(kind: string, reason: string): void {
  const key = `${kind}:${reason}`;
  rejections.set(key, (rejections.get(key) ?? 0) + 1);
}

export function credentialRejectionCounts(): Record<string, number> {
  return Object.fromEntries(rejections);
}
