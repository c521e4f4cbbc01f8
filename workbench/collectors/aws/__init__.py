"""AWS evidence collection: credentials, the cached API wrapper, the checks (one module per service), the runner."""
