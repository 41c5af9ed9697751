// A Node service reporting to errorhub with the real @sentry/node, only its DSN changed.
// Run by tests/ingest/test_sentry_node_reporting.py: SENTRY_DSN names the project.
import * as Sentry from "@sentry/node";

Sentry.init({ dsn: process.env.SENTRY_DSN, release: "storefront@3.1.0", environment: "production" });
Sentry.setUser({ id: "u-7", email: "grace@example.com", username: "grace" });
Sentry.addBreadcrumb({ category: "auth", message: "signed in", level: "info" });

function renderCart(cart) {
  return cart.items.length;
}

try {
  renderCart({});
} catch (error) {
  Sentry.captureException(error);
}
Sentry.captureMessage("Checkout is slow", "warning");
// Nobody catches this one: the SDK's unhandled-rejection handler reports it.
Promise.reject(new Error("payment provider timed out"));

await new Promise((resolve) => setTimeout(resolve, 200));
process.exit((await Sentry.flush(10000)) ? 0 : 1);
