"""Admin accounts: sign-in with a password and TOTP, roles, and the audit log."""
