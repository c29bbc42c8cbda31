import type { User } from "@/lib/db/client";
import type { Role } from "@/lib/db/generated/enums";

/**
 * The signed-in person as the console shows them. It leaves out the password hash, the
 * lockout counters and the OIDC subject, because this value is passed to client components.
 */
export interface ConsolePerson {
  id: string;
  email: string;
  displayName: string;
  roles: Role[];
}

export function toConsolePerson(user: User): ConsolePerson {
  return { id: user.id, email: user.email, displayName: user.displayName, roles: [...user.roles] };
}
