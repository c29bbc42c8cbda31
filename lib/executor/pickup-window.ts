// No server imports here: the console's review page reads the window in the browser.

/** How long a delivered secret waits for an approver's console to fetch it, in seconds. */
export const SECRET_PICKUP_WINDOW_SECONDS = 10 * 60;

/** The same window in milliseconds. */
export const SECRET_PICKUP_WINDOW_MS = SECRET_PICKUP_WINDOW_SECONDS * 1000;
