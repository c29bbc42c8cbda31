import { expect, type Page } from "@playwright/test";

/** Fills the sign-in form on the current page and submits it. */
export async function fillSignIn(page: Page, email: string, password: string): Promise<void> {
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** Signs in with email and password through the sign-in page and waits until it leads back to `target`. */
export async function signIn(page: Page, email: string, password: string, target: string): Promise<void> {
  await page.goto(`/sign-in?callbackUrl=${encodeURIComponent(target)}`);
  await fillSignIn(page, email, password);
  await expect(page).toHaveURL(new RegExp(`${escapeRegExp(target)}$`));
}
