"""Bounce reports and complaints: tied to the email they are about by its
return path (VERP), read from a file, an SMTP listener or a relay's webhook,
and acted on: a letter that bounced fails and its writer is told, the MP's
address is flagged; subscribers whose mail bounces or who complain are
suppressed."""
